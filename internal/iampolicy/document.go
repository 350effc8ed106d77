package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Document is an IAM policy document as JSON spells it.
type Document struct {
	Version   string     `json:"Version,omitempty"`
	ID        string     `json:"Id,omitempty"`
	Statement Statements `json:"Statement"`
}

// Statements is a document's Statement: one object or a list of them.
type Statements []Statement

// Statement is one statement of a policy document.
type Statement struct {
	Sid          string      `json:"Sid,omitempty"`
	Effect       string      `json:"Effect"`
	Principal    *Principals `json:"Principal,omitempty"`
	NotPrincipal *Principals `json:"NotPrincipal,omitempty"`
	Action       Strings     `json:"Action,omitempty"`
	NotAction    Strings     `json:"NotAction,omitempty"`
	Resource     Strings     `json:"Resource,omitempty"`
	NotResource  Strings     `json:"NotResource,omitempty"`
	// Condition maps an operator (StringEquals) to condition keys
	// (aws:SourceVpce) and their values.
	Condition map[string]map[string]Strings `json:"Condition,omitempty"`
}

// Strings is a list IAM lets a document write as one string or a list of
// strings; in a Condition, booleans and numbers stand for their text.
type Strings []string

// Principals is a statement's Principal or NotPrincipal: "*" (everyone,
// anonymous callers included) or principals by type ("AWS", "Service",
// "Federated", "CanonicalUser").
type Principals struct {
	Any    bool               // "*"
	ByType map[string]Strings // {"AWS": ["123456789012", "arn:aws:iam::..."]}
}

// Parse reads a policy document from JSON. It checks only the JSON shape;
// [Compile] checks the rest.
func Parse(data []byte) (Document, error) {
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Document{}, fmt.Errorf("policy document: %w", err)
	}
	if dec.More() {
		return Document{}, errors.New("policy document: data after the JSON object")
	}
	return doc, nil
}

// UnmarshalJSON accepts one statement object or a list of them.
func (s *Statements) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var one Statement
		if err := strictUnmarshal(data, &one); err != nil {
			return err
		}
		*s = Statements{one}
		return nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(data, &list); err != nil {
		return errors.New("Statement: neither an object nor a list of objects")
	}
	out := make(Statements, len(list))
	for i, raw := range list {
		if err := strictUnmarshal(raw, &out[i]); err != nil {
			return fmt.Errorf("Statement[%d]: %w", i, err)
		}
	}
	*s = out
	return nil
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// UnmarshalJSON accepts a string, a boolean, a number, or a list of them.
func (s *Strings) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		out := make(Strings, 0, len(list))
		for _, raw := range list {
			v, err := scalar(raw)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		*s = out
		return nil
	}
	v, err := scalar(data)
	if err != nil {
		return err
	}
	*s = Strings{v}
	return nil
}

// scalar returns a JSON string's value, or the text of a boolean or number.
func scalar(raw []byte) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", errors.New("empty value")
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return "", err
		}
		return string(raw), nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	return "", fmt.Errorf("%s is not a string, boolean or number", raw)
}

// UnmarshalJSON accepts "*" or an object of principal types.
func (p *Principals) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		if s == "*" {
			*p = Principals{Any: true}
			return nil
		}
		// A bare principal other than "*" is read as an AWS principal.
		*p = Principals{ByType: map[string]Strings{"AWS": {s}}}
		return nil
	}
	var m map[string]Strings
	if err := json.Unmarshal(data, &m); err != nil {
		return errors.New(`principal: neither "*" nor an object such as {"AWS": [...]}`)
	}
	*p = Principals{ByType: m}
	return nil
}

// MarshalJSON writes "*" or the object of principal types.
func (p Principals) MarshalJSON() ([]byte, error) {
	if p.Any {
		return []byte(`"*"`), nil
	}
	return json.Marshal(p.ByType)
}

// sortedKeys returns m's keys in order, for deterministic errors.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
