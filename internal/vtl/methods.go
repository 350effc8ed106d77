package vtl

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// property is $v.name as Velocity resolves it: a map's key, an object's
// property, isEmpty() for strings and lists; else null.
func property(v any, name string) any {
	switch v := v.(type) {
	case *Map:
		r, _ := v.Get(name)
		return r
	case MapValue:
		r, _ := v.Get(name)
		return r
	case Object:
		r, _ := v.Get(name)
		return r
	case string:
		if name == "empty" {
			return v == ""
		}
	case ListValue:
		if name == "empty" {
			return v.Len() == 0
		}
	case entry:
		switch name {
		case "key":
			return v.key
		case "value":
			return v.val
		}
	}
	return nil
}

// index is $v[i]: a list's element (negative counts from the end, as in
// Velocity 1.7), a map's key, an object's property.
func index(v, i any) (any, error) {
	switch v := v.(type) {
	case *Map:
		r, _ := v.GetKey(i)
		return r, nil
	case MapValue:
		r, _ := v.Get(toString(i))
		return r, nil
	case ListValue:
		n, ok := i.(int64)
		if !ok {
			return nil, fmt.Errorf("a list's index must be an integer")
		}
		if n < 0 {
			n += int64(v.Len())
		}
		if n < 0 || n >= int64(v.Len()) {
			return nil, fmt.Errorf("index %d out of bounds for length %d", i, v.Len())
		}
		return v.Index(int(n)), nil
	case Object:
		r, _ := v.Get(toString(i))
		return r, nil
	}
	return nil, nil
}

// setKey is #set($v.key = x) and #set($v[key] = x).
func setKey(v, key, x any) error {
	switch v := v.(type) {
	case *Map:
		v.Put(key, x)
		return nil
	case *List:
		n, ok := key.(int64)
		if !ok {
			return fmt.Errorf("a list's index must be an integer")
		}
		if n < 0 || n >= int64(len(v.Elems)) {
			return fmt.Errorf("index %d out of bounds for length %d", n, len(v.Elems))
		}
		v.Elems[n] = x
		return nil
	case interface{ Put(key string, v any) any }:
		v.Put(toString(key), x)
		return nil
	}
	return fmt.Errorf("a %s cannot be assigned to", typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "String"
	case bool:
		return "Boolean"
	case int64:
		return "Integer"
	case float64:
		return "Double"
	case ListValue:
		return "List"
	case MapValue:
		return "Map"
	}
	return "read-only value"
}

// equal is ==: numbers by value, values of one kind by Java's equals,
// anything else by their text. Two nulls are equal.
func equal(l, r any) bool {
	if l == nil || r == nil {
		return l == nil && r == nil
	}
	if _, ok := compareNumbers(l, r); ok {
		c, _ := compareNumbers(l, r)
		return c == 0
	}
	switch l := l.(type) {
	case string:
		if r, ok := r.(string); ok {
			return l == r
		}
	case bool:
		if r, ok := r.(bool); ok {
			return l == r
		}
	case ListValue:
		if r, ok := r.(ListValue); ok {
			return listEqual(l, r)
		}
	case MapValue:
		if r, ok := r.(MapValue); ok {
			return mapEqual(l, r)
		}
	}
	return toString(l) == toString(r)
}

// javaEquals is Object.equals for list elements and map values.
func javaEquals(l, r any) bool {
	switch l := l.(type) {
	case nil:
		return r == nil
	case int64:
		r, ok := r.(int64)
		return ok && l == r
	case float64:
		r, ok := r.(float64)
		return ok && l == r
	case ListValue:
		r, ok := r.(ListValue)
		return ok && listEqual(l, r)
	case MapValue:
		r, ok := r.(MapValue)
		return ok && mapEqual(l, r)
	}
	return l == r
}

func listEqual(l, r ListValue) bool {
	if l.Len() != r.Len() {
		return false
	}
	for i := 0; i < l.Len(); i++ {
		if !javaEquals(l.Index(i), r.Index(i)) {
			return false
		}
	}
	return true
}

func mapEqual(l, r MapValue) bool {
	if l.Len() != r.Len() {
		return false
	}
	eq := true
	l.Range(func(k string, v any) bool {
		w, ok := r.Get(k)
		eq = ok && javaEquals(v, w)
		return eq
	})
	return eq
}

// compareNumbers compares two numbers; ok is false unless both are.
func compareNumbers(l, r any) (int, bool) {
	switch l := l.(type) {
	case int64:
		switch r := r.(type) {
		case int64:
			return cmp(l, r), true
		case float64:
			return cmpFloat(float64(l), r), true
		}
	case float64:
		switch r := r.(type) {
		case int64:
			return cmpFloat(l, float64(r)), true
		case float64:
			return cmpFloat(l, r), true
		}
	}
	return 0, false
}

func cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var errOverflow = errors.New("integer overflow")

// arith is + - * / % on numbers: integers stay integers (a quotient is
// truncated), anything with a double is a double. A non-number operand, or
// a division by zero, is null, as in Velocity.
func arith(op string, l, r any) (any, error) {
	a, aInt := l.(int64)
	b, bInt := r.(int64)
	if aInt && bInt {
		switch op {
		case "+":
			s := a + b
			if (s^a) < 0 && (s^b) < 0 {
				return nil, errOverflow
			}
			return s, nil
		case "-":
			s := a - b
			if (a^b) < 0 && (s^a) < 0 {
				return nil, errOverflow
			}
			return s, nil
		case "*":
			if a != 0 && b != 0 {
				p := a * b
				if p/b != a || a == -1 && b == math.MinInt64 || b == -1 && a == math.MinInt64 {
					return nil, errOverflow
				}
				return p, nil
			}
			return int64(0), nil
		case "/":
			if b == 0 {
				return nil, nil
			}
			if a == math.MinInt64 && b == -1 {
				return nil, errOverflow
			}
			return a / b, nil
		case "%":
			if b == 0 {
				return nil, nil
			}
			if b == -1 {
				return int64(0), nil
			}
			return a % b, nil
		}
	}
	x, ok1 := toFloat(l)
	y, ok2 := toFloat(r)
	if !ok1 || !ok2 {
		return nil, nil
	}
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	case "/":
		if y == 0 {
			return nil, nil
		}
		return x / y, nil
	case "%":
		if y == 0 {
			return nil, nil
		}
		return math.Mod(x, y), nil
	}
	return nil, nil
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// method calls a method of a template's value: Java's String, List and Map
// methods that templates use, and a host Object's own.
func (e *exec) method(v any, name string, args []any) (any, error) {
	switch v := v.(type) {
	case string:
		return stringMethod(v, name, args)
	case Object:
		r, err := v.Call(name, args)
		if err != nil && errors.Is(err, ErrNoMethod) {
			if name == "toString" && len(args) == 0 {
				return toString(v), nil
			}
		}
		return r, err
	case *Map:
		return mapMethod(v, name, args)
	case MapValue:
		return mapMethod(v, name, args)
	case ListValue:
		return listMethod(v, name, args)
	case int64, float64:
		return numberMethod(v, name, args)
	case bool:
		switch {
		case name == "toString" && len(args) == 0:
			return toString(v), nil
		case name == "booleanValue" && len(args) == 0:
			return v, nil
		case name == "equals" && len(args) == 1:
			return javaEquals(v, args[0]), nil
		}
	case entry:
		switch {
		case name == "getKey" && len(args) == 0:
			return v.key, nil
		case name == "getValue" && len(args) == 0:
			return v.val, nil
		case name == "toString" && len(args) == 0:
			return toString(v), nil
		}
	case *block:
		if name == "toString" && len(args) == 0 {
			out := e.out
			e.out = nil
			err := e.renderBlock(0, v)
			s := string(e.out)
			e.out = out
			return s, err
		}
	}
	return nil, ErrNoMethod
}

func numberMethod(v any, name string, args []any) (any, error) {
	if len(args) == 1 && name == "equals" {
		return javaEquals(v, args[0]), nil
	}
	if len(args) == 1 && name == "compareTo" {
		c, ok := compareNumbers(v, args[0])
		if !ok {
			return nil, fmt.Errorf("cannot compare %s with %s", typeName(v), typeName(args[0]))
		}
		return int64(c), nil
	}
	if len(args) != 0 {
		return nil, ErrNoMethod
	}
	f, _ := toFloat(v)
	switch name {
	case "toString":
		return toString(v), nil
	case "intValue":
		if i, ok := v.(int64); ok {
			return int64(int32(i)), nil
		}
		return int64(int32(javaD2L(f))), nil
	case "longValue":
		if i, ok := v.(int64); ok {
			return i, nil
		}
		return javaD2L(f), nil
	case "doubleValue", "floatValue":
		return f, nil
	}
	return nil, ErrNoMethod
}

// javaD2L converts as Java's (long) cast does: truncation, saturating.
func javaD2L(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// Strings are indexed in UTF-16 code units, as Java's are.

func u16(s string) []uint16 { return utf16.Encode([]rune(s)) }

func fromU16(u []uint16) string { return string(utf16.Decode(u)) }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func length16(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return len(u16(s))
}

func argInt(args []any, i int) (int, bool) {
	n, ok := args[i].(int64)
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

func argString(args []any, i int) (string, bool) {
	s, ok := args[i].(string)
	return s, ok
}

func stringMethod(s, name string, args []any) (any, error) {
	switch len(args) {
	case 0:
		switch name {
		case "length":
			return int64(length16(s)), nil
		case "isEmpty":
			return s == "", nil
		case "trim":
			return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }), nil
		case "toLowerCase":
			return strings.ToLower(s), nil
		case "toUpperCase":
			return strings.ToUpper(s), nil
		case "toString", "intern":
			return s, nil
		case "hashCode":
			var h int32
			for _, c := range u16(s) {
				h = 31*h + int32(c)
			}
			return int64(h), nil
		}
	case 1:
		switch name {
		case "equals":
			a, ok := args[0].(string)
			return ok && a == s, nil
		case "equalsIgnoreCase":
			a, ok := args[0].(string)
			return ok && strings.EqualFold(a, s), nil
		case "contains":
			return strings.Contains(s, toString(args[0])), nil
		case "concat":
			if a, ok := argString(args, 0); ok {
				return s + a, nil
			}
		case "startsWith":
			if a, ok := argString(args, 0); ok {
				return strings.HasPrefix(s, a), nil
			}
		case "endsWith":
			if a, ok := argString(args, 0); ok {
				return strings.HasSuffix(s, a), nil
			}
		case "indexOf", "lastIndexOf":
			a, ok := argString(args, 0)
			if !ok {
				break
			}
			return int64(indexOf16(s, a, name == "lastIndexOf")), nil
		case "substring":
			b, ok := argInt(args, 0)
			if !ok {
				break
			}
			return substring(s, b, length16(s))
		case "charAt":
			i, ok := argInt(args, 0)
			if !ok {
				break
			}
			u := u16(s)
			if i < 0 || i >= len(u) {
				return nil, fmt.Errorf("index %d out of range for length %d", i, len(u))
			}
			return fromU16(u[i : i+1]), nil
		case "matches":
			re, err := javaRegexp(toString(args[0]))
			if err != nil {
				return nil, err
			}
			return re.MatchString(s) && fullMatch(re, s), nil
		case "split":
			re, err := javaRegexp(toString(args[0]))
			if err != nil {
				return nil, err
			}
			return split(s, re), nil
		case "compareTo":
			a, ok := argString(args, 0)
			if !ok {
				break
			}
			return int64(compare16(s, a)), nil
		}
	case 2:
		switch name {
		case "substring":
			b, ok1 := argInt(args, 0)
			e, ok2 := argInt(args, 1)
			if !ok1 || !ok2 {
				break
			}
			return substring(s, b, e)
		case "replace":
			old, ok1 := args[0].(string)
			nw, ok2 := args[1].(string)
			if !ok1 || !ok2 {
				break
			}
			return strings.ReplaceAll(s, old, nw), nil
		case "replaceAll", "replaceFirst":
			pat, ok1 := argString(args, 0)
			repl, ok2 := argString(args, 1)
			if !ok1 || !ok2 {
				break
			}
			re, err := javaRegexp(pat)
			if err != nil {
				return nil, err
			}
			r, err := javaReplacement(repl)
			if err != nil {
				return nil, err
			}
			if name == "replaceAll" {
				return re.ReplaceAllString(s, r), nil
			}
			loc := re.FindStringSubmatchIndex(s)
			if loc == nil {
				return s, nil
			}
			return s[:loc[0]] + string(re.ExpandString(nil, r, s, loc)) + s[loc[1]:], nil
		case "indexOf", "lastIndexOf":
			a, ok1 := argString(args, 0)
			from, ok2 := argInt(args, 1)
			if !ok1 || !ok2 {
				break
			}
			return int64(indexFrom16(s, a, from, name == "lastIndexOf")), nil
		case "split":
			re, err := javaRegexp(toString(args[0]))
			if err != nil {
				return nil, err
			}
			limit, ok := argInt(args, 1)
			if !ok {
				break
			}
			return splitN(s, re, limit), nil
		}
	}
	return nil, ErrNoMethod
}

func substring(s string, b, e int) (any, error) {
	if isASCII(s) {
		if b < 0 || e > len(s) || b > e {
			return nil, fmt.Errorf("begin %d, end %d, length %d", b, e, len(s))
		}
		return s[b:e], nil
	}
	u := u16(s)
	if b < 0 || e > len(u) || b > e {
		return nil, fmt.Errorf("begin %d, end %d, length %d", b, e, len(u))
	}
	return fromU16(u[b:e]), nil
}

func indexOf16(s, sub string, last bool) int {
	var i int
	if last {
		i = strings.LastIndex(s, sub)
	} else {
		i = strings.Index(s, sub)
	}
	if i < 0 || isASCII(s[:i]) {
		return i
	}
	return len(u16(s[:i]))
}

func indexFrom16(s, sub string, from int, last bool) int {
	u, su := u16(s), u16(sub)
	if last {
		if from >= len(u)-len(su) {
			from = len(u) - len(su)
		}
		for i := from; i >= 0; i-- {
			if eq16(u[i:i+len(su)], su) {
				return i
			}
		}
		return -1
	}
	if from < 0 {
		from = 0
	}
	for i := from; i+len(su) <= len(u); i++ {
		if eq16(u[i:i+len(su)], su) {
			return i
		}
	}
	return -1
}

func eq16(a, b []uint16) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func compare16(a, b string) int {
	ua, ub := u16(a), u16(b)
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

// maxRegexp bounds a pattern's length; Go's regexp runs in linear time,
// so a hostile pattern cannot take exponential time as Java's can.
const maxRegexp = 1000

// javaRegexp compiles a Java regular expression. The common syntax is
// shared with Go's RE2; possessive quantifiers, lookaround and
// backreferences are errors.
func javaRegexp(p string) (*regexp.Regexp, error) {
	if len(p) > maxRegexp {
		return nil, fmt.Errorf("regular expression longer than %d bytes", maxRegexp)
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %v", p, err)
	}
	return re, nil
}

func fullMatch(re *regexp.Regexp, s string) bool {
	full, err := regexp.Compile(`^(?:` + re.String() + `)$`)
	return err == nil && full.MatchString(s)
}

// javaReplacement turns a Java replacement ($1, \$) into Go's (${1}, $$).
func javaReplacement(r string) (string, error) {
	if !strings.ContainsAny(r, `$\`) {
		return r, nil
	}
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		switch c := r[i]; c {
		case '\\':
			i++
			if i >= len(r) {
				return "", errors.New("character to be escaped is missing")
			}
			if r[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(r[i])
			}
		case '$':
			j := i + 1
			for j < len(r) && isDigit(r[j]) {
				j++
			}
			if j == i+1 {
				return "", errors.New("illegal group reference")
			}
			b.WriteString("${" + r[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// split is Java's String.split(regex): trailing empty strings removed; a
// zero-width match at the start makes no leading empty string.
func split(s string, re *regexp.Regexp) *List { return splitN(s, re, 0) }

func splitN(s string, re *regexp.Regexp, limit int) *List {
	var parts []any
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if limit > 0 && len(parts) == limit-1 {
			break
		}
		if m[1] == 0 {
			continue // a zero-width match at the start
		}
		if m[0] == m[1] && m[0] >= len(s) {
			break
		}
		parts = append(parts, s[last:m[0]])
		last = m[1]
	}
	parts = append(parts, s[last:])
	if limit == 0 {
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		if len(parts) == 0 && s == "" {
			parts = []any{""}
		}
	}
	return &List{Elems: parts}
}

func listMethod(l ListValue, name string, args []any) (any, error) {
	ml, mutable := l.(*List)
	switch len(args) {
	case 0:
		switch name {
		case "size":
			return int64(l.Len()), nil
		case "isEmpty":
			return l.Len() == 0, nil
		case "toString":
			return toString(l), nil
		case "clear":
			if mutable {
				ml.Elems = ml.Elems[:0]
				ml.mod++
				return nil, nil
			}
		}
	case 1:
		switch name {
		case "get":
			i, ok := argInt(args, 0)
			if !ok {
				break
			}
			if i < 0 || i >= l.Len() {
				return nil, fmt.Errorf("index %d out of bounds for length %d", i, l.Len())
			}
			return l.Index(i), nil
		case "contains":
			return listIndex(l, args[0]) >= 0, nil
		case "indexOf":
			return int64(listIndex(l, args[0])), nil
		case "equals":
			r, ok := args[0].(ListValue)
			return ok && listEqual(l, r), nil
		case "add":
			if mutable {
				ml.Elems = append(ml.Elems, args[0])
				ml.mod++
				return true, nil
			}
		case "addAll":
			if o, ok := args[0].(ListValue); ok && mutable {
				for i := 0; i < o.Len(); i++ {
					ml.Elems = append(ml.Elems, o.Index(i))
				}
				ml.mod++
				return true, nil
			}
		case "remove":
			if !mutable {
				break
			}
			if i, ok := args[0].(int64); ok {
				if i < 0 || i >= int64(len(ml.Elems)) {
					return nil, fmt.Errorf("index %d out of bounds for length %d", i, len(ml.Elems))
				}
				old := ml.Elems[i]
				ml.Elems = append(ml.Elems[:i], ml.Elems[i+1:]...)
				ml.mod++
				return old, nil
			}
			if i := listIndex(l, args[0]); i >= 0 {
				ml.Elems = append(ml.Elems[:i], ml.Elems[i+1:]...)
				ml.mod++
				return true, nil
			}
			return false, nil
		}
	case 2:
		switch name {
		case "set", "add":
			i, ok := argInt(args, 0)
			if !ok || !mutable {
				break
			}
			n := len(ml.Elems)
			if name == "add" {
				if i < 0 || i > n {
					return nil, fmt.Errorf("index %d out of bounds for length %d", i, n)
				}
				ml.Elems = append(ml.Elems, nil)
				copy(ml.Elems[i+1:], ml.Elems[i:])
				ml.Elems[i] = args[1]
				ml.mod++
				return nil, nil
			}
			if i < 0 || i >= n {
				return nil, fmt.Errorf("index %d out of bounds for length %d", i, n)
			}
			old := ml.Elems[i]
			ml.Elems[i] = args[1]
			return old, nil
		}
	}
	if !mutable {
		switch name {
		case "add", "addAll", "remove", "set", "clear":
			return nil, fmt.Errorf("%s: the list is read-only", name)
		}
	}
	return nil, ErrNoMethod
}

func listIndex(l ListValue, v any) int {
	for i := 0; i < l.Len(); i++ {
		if javaEquals(v, l.Index(i)) {
			return i
		}
	}
	return -1
}

func mapMethod(m MapValue, name string, args []any) (any, error) {
	mm, mutable := m.(*Map)
	get := func(k any) (any, bool) {
		if mutable {
			return mm.GetKey(k)
		}
		s, ok := k.(string)
		if !ok {
			return nil, false
		}
		return m.Get(s)
	}
	switch len(args) {
	case 0:
		switch name {
		case "size":
			return int64(m.Len()), nil
		case "isEmpty":
			return m.Len() == 0, nil
		case "keySet":
			keys := &List{Elems: make([]any, 0, m.Len())}
			if mutable {
				keys.Elems = append(keys.Elems, mm.keys...)
			} else {
				m.Range(func(k string, _ any) bool { keys.Elems = append(keys.Elems, k); return true })
			}
			return keys, nil
		case "values":
			vals := &List{Elems: make([]any, 0, m.Len())}
			m.Range(func(_ string, v any) bool { vals.Elems = append(vals.Elems, v); return true })
			return vals, nil
		case "entrySet":
			es := &List{Elems: make([]any, 0, m.Len())}
			if mutable {
				mm.Entries(func(k, v any) bool { es.Elems = append(es.Elems, entry{k, v}); return true })
			} else {
				m.Range(func(k string, v any) bool { es.Elems = append(es.Elems, entry{k, v}); return true })
			}
			return es, nil
		case "toString":
			return toString(m), nil
		case "clear":
			if mutable {
				*mm = Map{mod: mm.mod + 1}
				return nil, nil
			}
		}
	case 1:
		switch name {
		case "get":
			v, _ := get(args[0])
			return v, nil
		case "containsKey":
			_, ok := get(args[0])
			return ok, nil
		case "containsValue":
			found := false
			m.Range(func(_ string, v any) bool { found = javaEquals(args[0], v); return !found })
			return found, nil
		case "equals":
			r, ok := args[0].(MapValue)
			return ok && mapEqual(m, r), nil
		case "remove":
			if mutable {
				return mm.Remove(args[0]), nil
			}
		case "putAll":
			if o, ok := args[0].(MapValue); ok && mutable {
				if om, ok := o.(*Map); ok {
					om.Entries(func(k, v any) bool { mm.Put(k, v); return true })
				} else {
					o.Range(func(k string, v any) bool { mm.Put(k, v); return true })
				}
				return nil, nil
			}
		}
	case 2:
		switch name {
		case "put":
			if mutable {
				return mm.Put(args[0], args[1]), nil
			}
			if p, ok := m.(interface{ Put(key string, v any) any }); ok {
				return p.Put(toString(args[0]), args[1]), nil
			}
		case "getOrDefault":
			if v, ok := get(args[0]); ok {
				return v, nil
			}
			return args[1], nil
		}
	}
	if !mutable {
		switch name {
		case "put", "remove", "putAll", "clear":
			return nil, fmt.Errorf("%s: the map is read-only", name)
		}
	}
	return nil, ErrNoMethod
}
