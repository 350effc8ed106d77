package vtl

import "testing"

// TestScopeEscapes checks which templates can keep a #foreach's $foreach
// beyond its loop, and so get a scope of their own for each loop; the
// others reuse the evaluation's room (testdata/velocity/scope_*.vm check
// both against Velocity).
func TestScopeEscapes(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{`#foreach($a in [1])$foreach.index $foreach.hasNext $foreach.count#end`, false},
		{`#foreach($a in [1])$foreach.getIndex() $!foreach.last#if($foreach.first)x#end#end`, false},
		{`#foreach($a in [1])#set($i = $foreach.index)#end`, false},
		{`#foreach($a in [1])#set($s = $foreach)#end`, true},
		{`#foreach($a in [1])$foreach#end`, true},
		{`#foreach($a in [1])${foreach}#end`, true},
		{`#foreach($a in [1])$foreach.parent.index#end`, true},
		{`#foreach($a in [1])$foreach.getParent()#end`, true},
		{`#foreach($a in [1])$foreach["index"]#end`, true},
		{`#foreach($a in [1])#set($l = [$foreach.index, $foreach])#end`, true},
		{`#foreach($a in [1])#set($s = "$foreach")#end`, true},
		{`#macro(m $x)$x#end#foreach($a in [1])#m($foreach)#end`, true},
		{`#define($d)$foreach#end#foreach($a in [1])$d#end`, true},
	} {
		tm, err := Parse(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if tm.scopeEscapes != tc.want {
			t.Errorf("%s: scopeEscapes %v, want %v", tc.src, tm.scopeEscapes, tc.want)
		}
	}
}
