package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// legacyHints explains parameters that older libraries (tgbotapi v5.5.1
// among them) still send but that Bot API 10.1 no longer lists.
var legacyHints = map[string]string{
	"reply_to_message_id":         "; use reply_parameters",
	"allow_sending_without_reply": "; use reply_parameters.allow_sending_without_reply",
	"disable_web_page_preview":    "; use link_preview_options",
}

// CheckParams checks a request's parameters against the method's
// specification and returns one message per violation, in a stable order.
func (sp *Spec) CheckParams(m *Method, params map[string]string) []string {
	var errs []string
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if m.field[name] == nil {
			errs = append(errs, fmt.Sprintf("unknown parameter %q (not in %s%s)", name, sp.Version, legacyHints[name]))
		}
		if !utf8.ValidString(params[name]) {
			errs = append(errs, fmt.Sprintf("parameter %q: strings must be encoded in UTF-8", name))
		}
	}
	for i := range m.Fields {
		f := &m.Fields[i]
		raw, ok := params[f.Name]
		if !ok {
			if f.Required {
				errs = append(errs, fmt.Sprintf("missing required parameter %q (%s)", f.Name, strings.Join(f.Types, " or ")))
			}
			continue
		}
		if msg := sp.checkParam(f, raw); msg != "" {
			errs = append(errs, fmt.Sprintf("parameter %q: %s", f.Name, msg))
		}
	}
	return errs
}

// checkParam checks one form value, which is either a scalar or a
// JSON-serialized object or array.
func (sp *Spec) checkParam(f *Field, raw string) string {
	var compound []string
	for _, typ := range f.Types {
		ok := false
		switch typ {
		case "String", "InputFile":
			ok = true
		case "Integer":
			_, err := strconv.ParseInt(raw, 10, 64)
			ok = err == nil
		case "Float":
			_, err := strconv.ParseFloat(raw, 64)
			ok = err == nil
		case "Boolean":
			ok = raw == "true" || raw == "false"
		default:
			compound = append(compound, typ)
		}
		if ok {
			return ""
		}
	}
	if len(compound) == 0 {
		expected := strings.Join(f.Types, " or ")
		if expected == "Boolean" {
			expected = "Boolean (true or false)"
		}
		return fmt.Sprintf("expected %s, got %q", expected, Clip(raw))
	}
	if raw == "null" && !f.Required {
		// tgbotapi sends nil slices as null; the real server takes that
		// as "not given".
		return ""
	}
	v, err := DecodeJSON([]byte(raw))
	if err != nil {
		return fmt.Sprintf("expected JSON-serialized %s: %v", strings.Join(compound, " or "), err)
	}
	return strings.Join(sp.CheckValue("", v, compound), "; ")
}

// DecodeJSON decodes exactly one JSON value, keeping numbers exact.
func DecodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// CheckValue checks a decoded JSON value against a union of type
// expressions and returns the violations of the closest alternative.
func (sp *Spec) CheckValue(path string, v any, types []string) []string {
	if len(types) == 1 {
		return sp.checkOne(path, v, types[0])
	}
	if allScalar(types) {
		for _, typ := range types {
			if len(sp.checkOne(path, v, typ)) == 0 {
				return nil
			}
		}
		return []string{fmt.Sprintf("%sexpected %s, got %s", at(path), strings.Join(types, " or "), describe(v))}
	}
	var best []string
	bestType := ""
	for _, typ := range types {
		errs := sp.checkOne(path, v, typ)
		if len(errs) == 0 {
			return nil
		}
		if best == nil || len(errs) < len(best) {
			best, bestType = errs, typ
		}
	}
	others := make([]string, 0, len(types)-1)
	for _, typ := range types {
		if typ != bestType {
			others = append(others, typ)
		}
	}
	return append([]string{fmt.Sprintf("%snot a valid %s (nor %s)", at(path), bestType, strings.Join(others, ", "))}, best...)
}

// checkOne checks a value against one type expression.
func (sp *Spec) checkOne(path string, v any, typ string) []string {
	if isScalar(typ) {
		return checkScalar(path, v, typ)
	}
	if elem, ok := strings.CutPrefix(typ, "Array of "); ok {
		return sp.checkArray(path, v, typ, elem)
	}
	t := sp.Types[typ]
	switch {
	case t == nil:
		return []string{fmt.Sprintf("%sunknown type %s in the specification", at(path), typ)}
	case len(t.Subtypes) > 0:
		return sp.checkAbstract(path, v, t)
	}
	return sp.checkObject(path, v, t)
}

// checkScalar checks a value against Integer, Float, Boolean, String or
// InputFile (a String in JSON).
func checkScalar(path string, v any, typ string) []string {
	ok := false
	switch typ {
	case "Integer":
		if n, isNumber := v.(json.Number); isNumber {
			_, err := strconv.ParseInt(string(n), 10, 64)
			ok = err == nil
		}
	case "Float":
		_, ok = v.(json.Number)
	case "Boolean":
		_, ok = v.(bool)
	case "String", "InputFile":
		_, ok = v.(string)
		typ = "String"
	}
	if ok {
		return nil
	}
	return []string{fmt.Sprintf("%sexpected %s, got %s", at(path), typ, describe(v))}
}

func (sp *Spec) checkArray(path string, v any, typ, elem string) []string {
	arr, ok := v.([]any)
	if !ok {
		return []string{fmt.Sprintf("%sexpected %s, got %s", at(path), typ, describe(v))}
	}
	var errs []string
	for i, e := range arr {
		errs = append(errs, sp.checkOne(fmt.Sprintf("%s[%d]", path, i), e, elem)...)
	}
	return errs
}

// checkObject checks an object of a concrete type: no unknown field,
// every required one, each of the right type (a discriminator with its
// only value).
func (sp *Spec) checkObject(path string, v any, t *Type) []string {
	obj, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%sexpected %s object, got %s", at(path), t.Name, describe(v))}
	}
	var errs []string
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t.field[k] == nil {
			errs = append(errs, fmt.Sprintf("%sunknown field %q in %s", at(join(path, k)), k, t.Name))
		}
	}
	var missing []string
	for i := range t.Fields {
		f := &t.Fields[i]
		fv, present := obj[f.Name]
		if !present || (fv == nil && !f.Required) {
			if f.Required {
				missing = append(missing, strconv.Quote(f.Name))
			}
			continue
		}
		fp := join(path, f.Name)
		fe := sp.CheckValue(fp, fv, f.Types)
		if len(fe) == 0 && f.only != "" && fv != f.only {
			fe = []string{fmt.Sprintf("%smust be %q in %s, got %s", at(fp), f.only, t.Name, describe(fv))}
		}
		errs = append(errs, fe...)
	}
	switch len(missing) {
	case 0:
	case 1:
		errs = append(errs, fmt.Sprintf("%smissing required field %s of %s", at(path), missing[0], t.Name))
	default:
		errs = append(errs, fmt.Sprintf("%smissing required fields %s of %s", at(path), strings.Join(missing, ", "), t.Name))
	}
	return errs
}

// checkAbstract checks a value of an abstract type (one with subtypes). When
// the subtypes are told apart by a constant field (type, status, source),
// the value is checked against the subtype it names.
func (sp *Spec) checkAbstract(path string, v any, t *Type) []string {
	if obj, ok := v.(map[string]any); ok {
		if key, variants := sp.discriminator(t); key != "" {
			tag, present := obj[key]
			if !present {
				return []string{fmt.Sprintf("%smissing required field %q of %s", at(path), key, t.Name)}
			}
			s, _ := tag.(string)
			if sub, ok := variants[s]; ok {
				return sp.checkOne(path, v, sub)
			}
			allowed := make([]string, 0, len(variants))
			for k := range variants {
				allowed = append(allowed, strconv.Quote(k))
			}
			sort.Strings(allowed)
			return []string{fmt.Sprintf("%s%s %s is not one of %s", at(join(path, key)), t.Name, describe(tag), strings.Join(allowed, ", "))}
		}
	}
	return sp.CheckValue(path, v, t.Subtypes)
}

// discriminator returns the field that tells t's subtypes apart and the
// subtype for each of its values, or "" if there is none.
func (sp *Spec) discriminator(t *Type) (string, map[string]string) {
	var key string
	variants := make(map[string]string)
	for _, name := range t.Subtypes {
		st := sp.Types[name]
		if st == nil || len(st.Fields) == 0 || st.Fields[0].only == "" {
			return "", nil
		}
		if key == "" {
			key = st.Fields[0].Name
		} else if key != st.Fields[0].Name {
			return "", nil
		}
		variants[st.Fields[0].only] = name
	}
	return key, variants
}

func allScalar(types []string) bool {
	for _, t := range types {
		if !isScalar(t) {
			return false
		}
	}
	return true
}

func isScalar(typ string) bool {
	switch typ {
	case "Integer", "Float", "Boolean", "String", "InputFile":
		return true
	}
	return false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func at(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case json.Number:
		return "number " + string(x)
	case string:
		return "string " + strconv.Quote(Clip(x))
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// Clip shortens s for a message.
func Clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
