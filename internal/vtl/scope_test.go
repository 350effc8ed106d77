package vtl

import (
	"os"
	"path/filepath"
	"testing"
)

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
	// The corpus checks both kinds of loops against Velocity.
	for file, want := range map[string]bool{"scope_room.vm": false, "scope_kept.vm": true} {
		src, err := os.ReadFile(filepath.Join("testdata", "velocity", file))
		if err != nil {
			t.Fatal(err)
		}
		if tm := MustParse(t, string(src)); tm.scopeEscapes != want {
			t.Errorf("%s: scopeEscapes %v, want %v", file, tm.scopeEscapes, want)
		}
	}
}

// TestBlockOfAnotherTemplate renders a #define block that one template
// put in a host's map from another template (as a request template's
// $context.requestOverride reaches the response template): its variables
// are found by name, and a $foreach it keeps stays its own after the
// evaluation's state is reused.
func TestBlockOfAnotherTemplate(t *testing.T) {
	shared := NewMap(2)
	vars := mapVars{"shared": shared}
	a := MustParse(t, `#define($d)[$y #set($onlyA = "a")$onlyA #set($y = "set by d")#set($kept = $shared.put("s", $foreach))]#end$shared.put("d", $d)`)
	if _, err := a.Execute(nil, vars, Options{}); err != nil {
		t.Fatal(err)
	}
	b := MustParse(t, `#set($y = "b")#foreach($i in [1, 2, 3])#if($foreach.count == 2)$shared.d#end#end $y $!onlyA`)
	for run := 0; run < 3; run++ {
		got, err := b.Execute(nil, vars, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if want := `[ba] set by d a`; string(got) != want {
			t.Errorf("run %d: %q, want %q", run, got, want)
		}
		s, _ := shared.Get("s")
		kept, _ := s.(*foreachScope)
		if run > 0 {
			if prev, _ := shared.Get("prev"); prev == s {
				t.Errorf("run %d: the $foreach kept by the last run was reused", run)
			}
		}
		if kept == nil || kept.index != 2 || kept.hasNext {
			t.Fatalf("run %d: kept $foreach %+v, want index 2, no next", run, kept)
		}
		shared.Put("prev", s)
	}
	s, _ := shared.Get("prev")
	if kept := s.(*foreachScope); kept.index != 2 {
		t.Errorf("the $foreach kept by the last run changed: %+v", kept)
	}
}

func MustParse(t *testing.T, src string) *Template {
	t.Helper()
	tm, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// panicVars panics when the template reads $boom.
type panicVars struct{ mapVars }

func (v panicVars) Lookup(name string) (any, bool) {
	if name == "boom" {
		panic("boom")
	}
	return v.mapVars.Lookup(name)
}

// TestBuffers reuses a host's Buffers across evaluations, one of which
// panicked in the middle: the next starts afresh and sees nothing of it.
func TestBuffers(t *testing.T) {
	var bufs Buffers
	opt := Options{Buffers: &bufs}
	tm := MustParse(t, `#set($x = "left")#foreach($i in [1, 2])#set($y = $i)$!z$util.up("a")$boom#end`)
	if _, err := tm.Execute(nil, mapVars{"util": benchUtil{}}, opt); err != nil {
		t.Fatal(err) // no $boom: the Buffers get their storage
	}
	func() {
		defer func() { _ = recover() }()
		_, _ = tm.Execute(nil, panicVars{mapVars{"util": benchUtil{}}}, opt)
		t.Fatal("no panic")
	}()
	if !bufs.busy {
		t.Fatal("Buffers of an evaluation that panicked are not marked busy")
	}
	again := MustParse(t, `[$!x$!y$!i$!foreach]#foreach($i in [1])$foreach.index#end`)
	for run := 0; run < 2; run++ {
		out, err := again.Execute(nil, mapVars{}, opt)
		if err != nil || string(out) != "[]0" {
			t.Fatalf("run %d: %q, %v", run, out, err)
		}
		if bufs.busy {
			t.Fatal("Buffers busy after an evaluation")
		}
	}
}
