// Package spec is the Bot API specification (Bot API 10.1: its methods
// and types with their fields, as api.json lists them) and the check of
// requests and results against it that bottest makes.
//
// The check reads parameters as the real server does: scalars as form
// values, objects and arrays as JSON-serialized text. It goes down to the
// fields of objects (unknown or missing fields, wrong types) and tells the
// variants of abstract types (BotCommandScope, ChatMember...) apart by
// their discriminator field.
package spec

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// apiJSON is the specification, as JSON.
//
//go:embed api.json
var apiJSON []byte

// Field is a parameter of a method or a field of a type.
type Field struct {
	Name        string   `json:"name"`
	Types       []string `json:"types"` // "Integer", "String", "Array of Update", a type's name...; more than one for a union
	Required    bool     `json:"required"`
	Description string   `json:"description"`

	// only is the single value a discriminator field may take
	// ("Scope type, must be chat", `always "creator"`), or "".
	only string
}

// Type is an object type, or an abstract type with Subtypes.
type Type struct {
	Name     string   `json:"name"`
	Fields   []Field  `json:"fields"`
	Subtypes []string `json:"subtypes"`

	field map[string]*Field
}

// Field returns the type's field of that name, or nil.
func (t *Type) Field(name string) *Field { return t.field[name] }

// Method is a Bot API method.
type Method struct {
	Name    string   `json:"name"`
	Fields  []Field  `json:"fields"`
	Returns []string `json:"returns"`

	field map[string]*Field
}

// Field returns the method's parameter of that name, or nil.
func (m *Method) Field(name string) *Field { return m.field[name] }

// Spec is the whole specification.
type Spec struct {
	Version string             `json:"version"` // "Bot API 10.1"
	Methods map[string]*Method `json:"methods"`
	Types   map[string]*Type   `json:"types"`

	byLower map[string]*Method
}

// discriminatorRE finds the constant in descriptions such as
// "Scope type, must be chat" or `Type of the reaction, always "emoji"`.
var discriminatorRE = regexp.MustCompile(`(?:, must be|, always) ["“]?([a-z_]+)["”]?\.?$`)

// Load returns the embedded specification, parsed once.
var Load = sync.OnceValues(func() (*Spec, error) {
	var sp Spec
	if err := json.Unmarshal(apiJSON, &sp); err != nil {
		return nil, fmt.Errorf("bottest: parse embedded api.json: %w", err)
	}
	sp.byLower = make(map[string]*Method, len(sp.Methods))
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

func indexFields(fs []Field) map[string]*Field {
	m := make(map[string]*Field, len(fs))
	for i := range fs {
		m[fs[i].Name] = &fs[i]
	}
	return m
}

// Method finds a method by its case-insensitive name; nil if there is
// none.
func (sp *Spec) Method(name string) *Method { return sp.byLower[strings.ToLower(name)] }
