package validator

import (
	"encoding/binary"
	"hash/maphash"

	"github.com/apigw/apigw/internal/jsontape"
)

// valid reports whether node i of d passes s, as jsonschema's validator
// decides it (see validate in jsonschema/v6's validator.go, whose order
// and draft rules this follows).
func (s *schema) valid(d *jsontape.Doc, i int32) bool {
	if s.always != 0 {
		return s.always > 0
	}
	kind := d.Kind(i)
	if s.hasTypes && !s.typeOK(d, i) {
		return false
	}
	if s.konst != nil && !equalConstant(d, i, s.konst) {
		return false
	}
	if s.hasEnum {
		matched := false
		for k := range s.enum {
			if equalConstant(d, i, &s.enum[k]) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	if s.format != nil {
		var v any
		if kind == jsontape.String {
			v = d.Str(i)
		} else {
			v = d.Native(i)
		}
		if s.format(v) != nil {
			return false
		}
	}
	if s.ref != nil {
		ok := s.ref.valid(d, i)
		if s.draft < 2019 || !ok {
			return ok // before 2019, $ref's siblings are ignored
		}
	}
	switch kind {
	case jsontape.Object:
		if !s.objectOK(d, i) {
			return false
		}
	case jsontape.Array:
		if !s.arrayOK(d, i) {
			return false
		}
	case jsontape.String:
		if !s.stringOK(d, i) {
			return false
		}
	case jsontape.Number:
		if s.numeric && !s.numberOK(d.Raw(i)) {
			return false
		}
	}
	return s.conditionsOK(d, i)
}

func (s *schema) typeOK(d *jsontape.Doc, i int32) bool {
	switch d.Kind(i) {
	case jsontape.Null:
		return s.types&tNull != 0
	case jsontape.False, jsontape.True:
		return s.types&tBoolean != 0
	case jsontape.String:
		return s.types&tString != 0
	case jsontape.Array:
		return s.types&tArray != 0
	case jsontape.Object:
		return s.types&tObject != 0
	}
	return s.types&tNumber != 0 || s.types&tInteger != 0 && parseDecimal(d.Raw(i)).isInteger()
}

func (s *schema) objectOK(d *jsontape.Doc, i int32) bool {
	if s.minProps >= 0 || s.maxProps >= 0 {
		n := d.Distinct(i)
		if s.minProps >= 0 && n < s.minProps || s.maxProps >= 0 && n > s.maxProps {
			return false
		}
	}
	if !hasAll(d, i, s.required) {
		return false
	}
	for _, dep := range s.deps {
		if !dep.holds(d, i) {
			return false
		}
	}
	if s.props != nil || s.patterns != nil || s.additional != nil {
		for k := i + 1; k < d.Next(i); k = d.Next(k + 1) {
			if !d.Effective(i, k) {
				continue
			}
			key := d.Str(k)
			evaluated := false
			if p, ok := s.props[key]; ok {
				evaluated = true
				if !p.valid(d, k+1) {
					return false
				}
			}
			for _, p := range s.patterns {
				if p.re.MatchString(key) {
					evaluated = true
					if !p.schema.valid(d, k+1) {
						return false
					}
				}
			}
			if !evaluated && s.additional != nil && !s.additional.valid(d, k+1) {
				return false
			}
		}
	}
	if s.draft == 4 {
		return true
	}
	if s.propertyNames != nil {
		for k := i + 1; k < d.Next(i); k = d.Next(k + 1) {
			if d.Effective(i, k) && !s.propertyNames.valid(d, k) {
				return false
			}
		}
	}
	if s.draft == 6 {
		return true
	}
	for _, deps := range [][]dependency{s.depSchemas, s.depRequired} {
		for _, dep := range deps {
			if !dep.holds(d, i) {
				return false
			}
		}
	}
	return true
}

// holds reports whether object i satisfies the dependency.
func (dep *dependency) holds(d *jsontape.Doc, i int32) bool {
	if _, ok := d.Find(i, dep.prop); !ok {
		return true
	}
	if dep.schema != nil {
		return dep.schema.valid(d, i)
	}
	return hasAll(d, i, dep.required)
}

func hasAll(d *jsontape.Doc, i int32, names []string) bool {
	for _, name := range names {
		if _, ok := d.Find(i, name); !ok {
			return false
		}
	}
	return true
}

func (s *schema) arrayOK(d *jsontape.Doc, i int32) bool {
	n := d.Len(i)
	if s.minItems >= 0 && n < s.minItems || s.maxItems >= 0 && n > s.maxItems {
		return false
	}
	if s.unique && n > 1 && !s.uniqueOK(d, i, n) {
		return false
	}
	end := d.Next(i)
	if s.draft < 2020 {
		rest := i + 1 // the first element not checked by items
		switch {
		case s.items != nil:
			for e := i + 1; e < end; e = d.Next(e) {
				if !s.items.valid(d, e) {
					return false
				}
			}
			rest = end
		case s.tuple != nil:
			for _, t := range s.tuple {
				if rest >= end {
					break
				}
				if !t.valid(d, rest) {
					return false
				}
				rest = d.Next(rest)
			}
		}
		if s.additionalItems != nil {
			for e := rest; e < end; e = d.Next(e) {
				if !s.additionalItems.valid(d, e) {
					return false
				}
			}
		}
	} else {
		rest := i + 1
		for _, p := range s.prefix {
			if rest >= end {
				break
			}
			if !p.valid(d, rest) {
				return false
			}
			rest = d.Next(rest)
		}
		if s.items2020 != nil {
			for e := rest; e < end; e = d.Next(e) {
				if !s.items2020.valid(d, e) {
					return false
				}
			}
		}
	}
	if s.contains != nil {
		matched := 0
		for e := i + 1; e < end; e = d.Next(e) {
			if s.contains.valid(d, e) {
				matched++
			}
		}
		if s.minContains >= 0 {
			if matched < s.minContains {
				return false
			}
		} else if matched == 0 {
			return false
		}
		if s.maxContains >= 0 && matched > s.maxContains {
			return false
		}
	}
	return true
}

func (s *schema) stringOK(d *jsontape.Doc, i int32) bool {
	if s.minLen >= 0 || s.maxLen >= 0 {
		n := d.RuneCount(i)
		if s.minLen >= 0 && n < s.minLen || s.maxLen >= 0 && n > s.maxLen {
			return false
		}
	}
	return s.pattern == nil || s.pattern.MatchString(d.Str(i))
}

func (s *schema) numberOK(raw string) bool {
	x := parseDecimal(raw) // ratOK: see readable
	switch {
	case s.min != nil && x.cmp(*s.min) < 0,
		s.max != nil && x.cmp(*s.max) > 0,
		s.exMin != nil && x.cmp(*s.exMin) <= 0,
		s.exMax != nil && x.cmp(*s.exMax) >= 0:
		return false
	}
	return s.multipleOf == nil || multipleOf(x, raw, s.multipleOf, s.multipleOfInt, s.multipleOfIsInt)
}

func (s *schema) conditionsOK(d *jsontape.Doc, i int32) bool {
	if s.not != nil && s.not.valid(d, i) {
		return false
	}
	for _, a := range s.allOf {
		if !a.valid(d, i) {
			return false
		}
	}
	if len(s.anyOf) > 0 {
		matched := false
		for _, a := range s.anyOf {
			if a.valid(d, i) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	if len(s.oneOf) > 0 {
		matched := 0
		for _, o := range s.oneOf {
			if o.valid(d, i) {
				if matched++; matched > 1 {
					break
				}
			}
		}
		if matched != 1 {
			return false
		}
	}
	if s.ifS != nil {
		if s.ifS.valid(d, i) {
			return s.thenS == nil || s.thenS.valid(d, i)
		}
		return s.elseS == nil || s.elseS.valid(d, i)
	}
	return true
}

// equalConstant reports whether node i equals k as jsonschema compares
// values: numbers by value, objects whatever their order.
func equalConstant(d *jsontape.Doc, i int32, k *constant) bool {
	kind := d.Kind(i)
	if kind != k.kind && !(kind == jsontape.Number && k.kind == jsontape.Number) {
		return false
	}
	switch kind {
	case jsontape.String:
		return d.StrEquals(i, k.str)
	case jsontape.Number:
		return parseDecimal(d.Raw(i)).equal(k.num)
	case jsontape.Array:
		if d.Len(i) != len(k.arr) {
			return false
		}
		e := i + 1
		for j := range k.arr {
			if !equalConstant(d, e, &k.arr[j]) {
				return false
			}
			e = d.Next(e)
		}
		return true
	case jsontape.Object:
		if d.Distinct(i) != len(k.obj) {
			return false
		}
		for m := i + 1; m < d.Next(i); m = d.Next(m + 1) {
			if !d.Effective(i, m) {
				continue
			}
			v, ok := k.obj[d.Str(m)]
			if !ok || !equalConstant(d, m+1, &v) {
				return false
			}
		}
		return true
	}
	return true // null, true, false: the kinds are equal
}

// equalNodes reports whether nodes i and j of d are equal as jsonschema
// compares values.
func equalNodes(d *jsontape.Doc, i, j int32) bool {
	ki, kj := d.Kind(i), d.Kind(j)
	if ki != kj {
		return false
	}
	switch ki {
	case jsontape.String:
		return d.StrEquals(j, d.Str(i))
	case jsontape.Number:
		return parseDecimal(d.Raw(i)).equal(parseDecimal(d.Raw(j)))
	case jsontape.Array:
		if d.Len(i) != d.Len(j) {
			return false
		}
		for a, b := i+1, j+1; a < d.Next(i); a, b = d.Next(a), d.Next(b) {
			if !equalNodes(d, a, b) {
				return false
			}
		}
		return true
	case jsontape.Object:
		if d.Distinct(i) != d.Distinct(j) {
			return false
		}
		for m := i + 1; m < d.Next(i); m = d.Next(m + 1) {
			if !d.Effective(i, m) {
				continue
			}
			v, ok := d.Find(j, d.Str(m))
			if !ok || !equalNodes(d, m+1, v) {
				return false
			}
		}
		return true
	}
	return true
}

// uniqueOK reports whether the n elements of array i are distinct: pair
// by pair up to 20 elements, by hash beyond, as jsonschema does.
func (s *schema) uniqueOK(d *jsontape.Doc, i int32, n int) bool {
	end := d.Next(i)
	if n <= 20 {
		for a := i + 1; a < end; a = d.Next(a) {
			for b := d.Next(a); b < end; b = d.Next(b) {
				if equalNodes(d, a, b) {
					return false
				}
			}
		}
		return true
	}
	seen := make(map[uint64][]int32, n)
	for e := i + 1; e < end; e = d.Next(e) {
		h := hashNode(s.seed, d, e)
		for _, o := range seen[h] {
			if equalNodes(d, o, e) {
				return false
			}
		}
		seen[h] = append(seen[h], e)
	}
	return true
}

// hashNode hashes node i so that equal values (equalNodes) hash alike.
func hashNode(seed maphash.Seed, d *jsontape.Doc, i int32) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var b [8]byte
	switch kind := d.Kind(i); kind {
	case jsontape.Number:
		x := parseDecimal(d.Raw(i))
		h.WriteByte('#')
		if x.neg {
			h.WriteByte('-')
		}
		h.WriteString(x.hi)
		h.WriteString(x.lo)
		h.Write(binary.LittleEndian.AppendUint64(b[:0], uint64(x.point)))
	case jsontape.String:
		h.WriteByte('"')
		h.WriteString(d.Str(i))
	case jsontape.Array:
		h.WriteByte('[')
		for e := i + 1; e < d.Next(i); e = d.Next(e) {
			h.Write(binary.LittleEndian.AppendUint64(b[:0], hashNode(seed, d, e)))
		}
	case jsontape.Object:
		// Members in any order: the sum of their hashes.
		var sum uint64
		for m := i + 1; m < d.Next(i); m = d.Next(m + 1) {
			if d.Effective(i, m) {
				sum += hashNode(seed, d, m) ^ hashNode(seed, d, m+1)*0x9e3779b97f4a7c15
			}
		}
		h.WriteByte('{')
		h.Write(binary.LittleEndian.AppendUint64(b[:0], sum))
	default:
		h.WriteByte(byte(kind))
	}
	return h.Sum64()
}
