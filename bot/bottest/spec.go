package bottest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// apiJSON is the Bot API specification (methods and types with their fields)
// that every request is checked against.
//
//go:embed testdata/api.json
var apiJSON []byte

type apiField struct {
	Name        string   `json:"name"`
	Types       []string `json:"types"`
	Required    bool     `json:"required"`
	Description string   `json:"description"`

	// only is the single value a discriminator field may take
	// ("Scope type, must be chat", `always "creator"`), or "".
	only string
}

type apiType struct {
	Name     string     `json:"name"`
	Fields   []apiField `json:"fields"`
	Subtypes []string   `json:"subtypes"`

	field map[string]*apiField
}

type apiMethod struct {
	Name    string     `json:"name"`
	Fields  []apiField `json:"fields"`
	Returns []string   `json:"returns"`

	field map[string]*apiField
}

type apiSpec struct {
	Version string                `json:"version"`
	Methods map[string]*apiMethod `json:"methods"`
	Types   map[string]*apiType   `json:"types"`

	byLower map[string]*apiMethod
}

// discriminatorRE finds the constant in descriptions such as
// "Scope type, must be chat" or `Type of the reaction, always "emoji"`.
var discriminatorRE = regexp.MustCompile(`(?:, must be|, always) ["“]?([a-z_]+)["”]?\.?$`)

var loadSpec = sync.OnceValues(func() (*apiSpec, error) {
	var sp apiSpec
	if err := json.Unmarshal(apiJSON, &sp); err != nil {
		return nil, fmt.Errorf("bottest: parse embedded api.json: %w", err)
	}
	sp.byLower = make(map[string]*apiMethod, len(sp.Methods))
	for _, m := range sp.Methods {
		m.field = indexFields(m.Fields)
		sp.byLower[strings.ToLower(m.Name)] = m
	}
	for _, t := range sp.Types {
		t.field = indexFields(t.Fields)
		for i := range t.Fields {
			f := &t.Fields[i]
			if len(f.Types) == 1 && f.Types[0] == "String" {
				if m := discriminatorRE.FindStringSubmatch(f.Description); m != nil {
					f.only = m[1]
				}
			}
		}
	}
	return &sp, nil
})

func indexFields(fs []apiField) map[string]*apiField {
	m := make(map[string]*apiField, len(fs))
	for i := range fs {
		m[fs[i].Name] = &fs[i]
	}
	return m
}

// method finds a method by its case-insensitive name.
func (sp *apiSpec) method(name string) *apiMethod { return sp.byLower[strings.ToLower(name)] }

// legacyHints explains parameters that older libraries (tgbotapi v5.5.1
// among them) still send but that Bot API 10.1 no longer lists.
var legacyHints = map[string]string{
	"reply_to_message_id":         "; use reply_parameters",
	"allow_sending_without_reply": "; use reply_parameters.allow_sending_without_reply",
	"disable_web_page_preview":    "; use link_preview_options",
}

// checkParams checks a request's parameters against the method's
// specification and returns one message per violation, in a stable order.
func (sp *apiSpec) checkParams(m *apiMethod, params map[string]string) []string {
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
func (sp *apiSpec) checkParam(f *apiField, raw string) string {
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
		return fmt.Sprintf("expected %s, got %q", expected, clip(raw))
	}
	if raw == "null" && !f.Required {
		// tgbotapi sends nil slices as null; the real server takes that
		// as "not given".
		return ""
	}
	v, err := decodeJSON([]byte(raw))
	if err != nil {
		return fmt.Sprintf("expected JSON-serialized %s: %v", strings.Join(compound, " or "), err)
	}
	return strings.Join(sp.checkValue("", v, compound), "; ")
}

// decodeJSON decodes exactly one JSON value, keeping numbers exact.
func decodeJSON(b []byte) (any, error) {
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

// checkValue checks a decoded JSON value against a union of type
// expressions and returns the violations of the closest alternative.
func (sp *apiSpec) checkValue(path string, v any, types []string) []string {
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

func (sp *apiSpec) checkOne(path string, v any, typ string) []string {
	switch typ {
	case "Integer":
		n, ok := v.(json.Number)
		if ok {
			if _, err := strconv.ParseInt(string(n), 10, 64); err == nil {
				return nil
			}
		}
		return []string{fmt.Sprintf("%sexpected Integer, got %s", at(path), describe(v))}
	case "Float":
		if _, ok := v.(json.Number); ok {
			return nil
		}
		return []string{fmt.Sprintf("%sexpected Float, got %s", at(path), describe(v))}
	case "Boolean":
		if _, ok := v.(bool); ok {
			return nil
		}
		return []string{fmt.Sprintf("%sexpected Boolean, got %s", at(path), describe(v))}
	case "String", "InputFile":
		if _, ok := v.(string); ok {
			return nil
		}
		return []string{fmt.Sprintf("%sexpected String, got %s", at(path), describe(v))}
	}
	if elem, ok := strings.CutPrefix(typ, "Array of "); ok {
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
	t := sp.Types[typ]
	if t == nil {
		return []string{fmt.Sprintf("%sunknown type %s in the specification", at(path), typ)}
	}
	if len(t.Subtypes) > 0 {
		return sp.checkAbstract(path, v, t)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%sexpected %s object, got %s", at(path), typ, describe(v))}
	}
	var errs []string
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t.field[k] == nil {
			errs = append(errs, fmt.Sprintf("%sunknown field %q in %s", at(join(path, k)), k, typ))
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
		fe := sp.checkValue(fp, fv, f.Types)
		if len(fe) == 0 && f.only != "" && fv != f.only {
			fe = []string{fmt.Sprintf("%smust be %q in %s, got %s", at(fp), f.only, typ, describe(fv))}
		}
		errs = append(errs, fe...)
	}
	switch len(missing) {
	case 0:
	case 1:
		errs = append(errs, fmt.Sprintf("%smissing required field %s of %s", at(path), missing[0], typ))
	default:
		errs = append(errs, fmt.Sprintf("%smissing required fields %s of %s", at(path), strings.Join(missing, ", "), typ))
	}
	return errs
}

// checkAbstract checks a value of an abstract type (one with subtypes). When
// the subtypes are told apart by a constant field (type, status, source),
// the value is checked against the subtype it names.
func (sp *apiSpec) checkAbstract(path string, v any, t *apiType) []string {
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
	return sp.checkValue(path, v, t.Subtypes)
}

// discriminator returns the field that tells t's subtypes apart and the
// subtype for each of its values, or "" if there is none.
func (sp *apiSpec) discriminator(t *apiType) (string, map[string]string) {
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
		switch t {
		case "Integer", "Float", "Boolean", "String", "InputFile":
		default:
			return false
		}
	}
	return true
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
		return "string " + strconv.Quote(clip(x))
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
