package vtl

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The hosts of FuzzStringValues: the same list and methods, as plain
// values (roList, callUtil) and as a StringList, StringFuncs and
// Appender, of FixedVars.

type roList struct{ elems []any }

func (l *roList) Len() int        { return len(l.elems) }
func (l *roList) Index(i int) any { return l.elems[i] }

type strList struct{ roList }

func (l *strList) StringAt(i int) (string, bool) {
	s, ok := l.elems[i].(string)
	return s, ok
}

type callUtil struct{}

func (callUtil) Get(string) (any, bool) { return nil, false }

func (callUtil) Call(name string, args []any) (any, error) {
	switch name {
	case "wrap":
		return "[" + fmt.Sprint(len(args)) + toString(args) + "]", nil
	case "nil":
		return nil, nil
	case "wrapFail":
		return nil, errFail
	}
	if f := utilFunc(name); f != nil && len(args) == 1 {
		s, err := f(toString(args[0]))
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, ErrNoMethod
}

type funcsUtil struct{ callUtil }

func (funcsUtil) StringFunc(name string) func(string) (string, error) { return utilFunc(name) }

func (u funcsUtil) AppendCall(b []byte, name string, args []any) ([]byte, bool, error) {
	switch name {
	case "wrap":
		b = append(b, '[')
		b = fmt.Append(b, len(args))
		b = appendString(b, args)
		return append(b, ']'), true, nil
	case "wrapFail":
		return b, false, errFail
	}
	return b, false, nil // nil, up, ...: Call
}

var errFail = errors.New("fail: an o")

func utilFunc(name string) func(string) (string, error) {
	switch name {
	case "up":
		return func(s string) (string, error) { return strings.ToUpper(s), nil }
	case "same":
		return func(s string) (string, error) { return s, nil }
	case "fail":
		return func(s string) (string, error) {
			if strings.Contains(s, "o") {
				return "", errFail
			}
			return s + "!", nil
		}
	}
	return nil
}

// fixedVars are mapVars whose u and l, and any name they lack, are fixed.
type fixedVars struct{ mapVars }

func (v fixedVars) LookupFixed(name string) (any, bool, bool) {
	x, ok := v.mapVars[name]
	return x, ok, name == "u" || name == "l" || !ok
}

func stringHosts() (plain mapVars, fast fixedVars) {
	elems := []any{"one", "two", int64(3), nil, `f"o/o`, "", "x"}
	plain = mapVars{"l": &roList{elems}, "u": callUtil{}, "s": "str"}
	fast = fixedVars{mapVars{"l": &strList{roList{elems}}, "u": funcsUtil{}, "s": "str"}}
	var _ Appender = funcsUtil{}
	var _ FixedVars = fast
	return plain, fast
}

// FuzzStringValues evaluates any template over a host's list and methods,
// given as plain values and as a StringList and StringFuncs, which
// #foreach and references read without boxing strings: output and errors
// are the same, under tight limits too.
func FuzzStringValues(f *testing.F) {
	addCorpus(f)
	for _, s := range []string{
		`#foreach($g in $l)$g|$!g|"$g"|${g}|$u.up($g)|$u.fail($g)|$u.same($g).length()|$g.length()|#set($x = $g)$x|$u.up($u)|$g.up($g)|$u.nope($g)|$!u.nope($g)#if($g == "two")T#end;#end$g`,
		`#foreach($g in $l)#foreach($g in $l)$u.up($g)#end$g#end$g`,
		`#macro(m $a)$a $u.up($a)#end#foreach($g in $l)#m($g)#end`,
		`#foreach($u in $l)$u.up($u)$u#end$u.up($s)`,
		`#foreach($g in $l)\$u.up($g) \\$u.up($g) $!{u.up($g)} ${u.up($g)}#end`,
		`#set($g = "before")#foreach($g in $l)#end$g $u.up($g)`,
		`#foreach($g in $l)$u.fail($g)#end`,
		`#foreach($g in $l)#set($g = 5)$g$u.up($g)#end`,
		`#define($d)$u.up($g)#end#foreach($g in $l)$d#end`,
		`#foreach($g in $l)$u.up($g)#set($u = $l)$u.up($g)#set($u = $null)$u.up($g)#end$u.up($s)`,
		`#macro(m $u)$u.up($g)#end#foreach($g in $l)$u.up($g)#m($s)$u.up($g)#m($u)#end`,
		`#foreach($g in $l)$nope$!nope.up($g)$u.up($g)$u.same($g)$u.up($g)#end`,
		`#foreach($g in $l)$u.wrap($g)$u.wrap()$u.wrap($g, 1, "x")$u.wrap($undefined)$u.nil(1)|$!u.nil(1)|$u.wrapFail(1)#end`,
		`$u.wrap($u.up($s))$u.up($u.wrap($s))$u.wrap($l)$u.nil().length() $u.wrap("x").length()`,
	} {
		f.Add(s)
	}
	limits := []Options{fuzzLimits, {NullAsEmpty: true, MaxSteps: 25, MaxOutput: 60}, {MaxSteps: 7}}
	f.Fuzz(func(t *testing.T, src string) {
		tm, err := Parse(src)
		if err != nil {
			return
		}
		for _, opt := range limits {
			plain, fast := stringHosts()
			want, wantErr := tm.Execute(nil, plain, opt)
			got, gotErr := tm.Execute(nil, fast, opt)
			if !bytes.Equal(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("%+v: StringList and StringFuncs give\n%q, %v\nplain values give\n%q, %v", opt, got, gotErr, want, wantErr)
			}
		}
	})
}
