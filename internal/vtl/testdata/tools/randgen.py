#!/usr/bin/env python3
"""randgen writes random templates (seed 18, or $SEED, so the same every
run) into ../velocity/rand (or $OUT): text with blanks and newlines around references,
directives, comments and escapes, nested a few levels deep. gen.sh then
renders them with Velocity, and TestVelocity compares apigw's output with
Velocity's, as for the hand-written corpus."""
import os, random, shutil

here = os.path.dirname(os.path.abspath(__file__))
out = os.environ.get('OUT') or os.path.join(here, '..', 'velocity', 'rand')
rnd = random.Random(int(os.environ.get('SEED', '18')))

TEXT = ['a', 'b c', ' ', '  ', '\t', '\n', '\n', '\n  ', ',', '{', '}', '"', ':', '[', ']', '.', '-', 'x=1;', '\r\n']
REFS = ['$s', '$!s', '${s}', '$n', '$!n', '$f', '$t', '$no', '$undefined', '$!undefined', '${undefined}',
        '$map.a', '$map.b', '$map.c', '$map.zz', '$list', '$list[1]', '$words.get(0)', '$s.length()',
        '$s.substring(0, 5)', '$words.size()', '$map.keySet()', '$pets[0].type', '$x', '$y', '$!x',
        '$foreach.index', '$foreach.hasNext', '$velocityCount', '$blank', '$mixed', '$s.toUpperCase()',
        '\\$s', '\\\\$s', '\\$undefined', '$', '$$s', '#', '\\#if', '$s.', '$map.d.e']
EXPRS = ['$n', '$n + 1', '$n * 2 - 3', '$f / 2', '$n % 5', '"str $s"', "'lit $s'", '[1, 2, $n]', '{"k": $n}',
         '$undefined', '$s.length()', '$t', '!$no', '$n == 42', '$n > 40 && $t', '$s == "x"', '[1..3]',
         '$words', '$map.c', '"$!undefined"', '$x', '$n / 0']
CONDS = ['$t', '$no', '$undefined', '!$undefined', '$n == 42', '$n != 42', '$x', '$s.startsWith("H")',
         '$blank == ""', '$list.size() > 2', '$n > 1 || $no', '$foreach.hasNext', '$map.a == 1']
LISTS = ['$words', '$list', '[1..3]', '$map', '$emptyList', '$undefined', '$pets', '$map.c', '[$n, "a"]']

def ws():
    return rnd.choice(['', '', ' ', '  ', '\t', '\n'])

def block(depth, n):
    parts = []
    for _ in range(n):
        k = rnd.random()
        if k < 0.35:
            parts.append(rnd.choice(TEXT))
        elif k < 0.6:
            parts.append(rnd.choice(REFS))
        elif k < 0.7:
            parts.append(ws() + '#set(' + rnd.choice([' ', '']) + rnd.choice(['$x', '$y', '$map.q']) + ' = ' +
                         rnd.choice(EXPRS) + ')' + rnd.choice(['', '\n', ' \n', ' ']))
        elif k < 0.78 and depth < 3:
            s = ws() + '#if(' + rnd.choice(CONDS) + ')' + rnd.choice(['', '\n', '  \n'])
            s += block(depth + 1, rnd.randint(0, 4))
            if rnd.random() < 0.4:
                s += ws() + '#elseif(' + rnd.choice(CONDS) + ')' + rnd.choice(['', '\n'])
                s += block(depth + 1, rnd.randint(0, 3))
            if rnd.random() < 0.5:
                s += ws() + rnd.choice(['#else', '#{else}']) + rnd.choice(['', '\n', ' \n', ' '])
                s += block(depth + 1, rnd.randint(0, 3))
            s += ws() + rnd.choice(['#end', '#{end}']) + rnd.choice(['', '\n', '  \n', ' ', 'x'])
            parts.append(s)
        elif k < 0.86 and depth < 3:
            s = ws() + '#foreach(' + rnd.choice(['$i', '$e']) + ' in ' + rnd.choice(LISTS) + ')' + rnd.choice(['', '\n'])
            s += block(depth + 1, rnd.randint(1, 4))
            if rnd.random() < 0.15:
                s += '#if($foreach.count > 1)#break#end'
            s += ws() + '#end' + rnd.choice(['', '\n', ' '])
            parts.append(s)
        elif k < 0.9:
            parts.append(rnd.choice(['## c\n', '#* c *#', '#** d *#', '#[[ $raw #if ]]#', '  ## c\n']))
        elif k < 0.95:
            parts.append(rnd.choice(['$i', '$e', '$!i', '$e.type', '$i.length()']))
        else:
            parts.append(rnd.choice(['#foo', '#{x}', '# ', 'a#b', '\\', '\\\\', '#@z']))
    return ''.join(parts)

if os.path.isdir(out):
    shutil.rmtree(out)
os.makedirs(out)
shutil.copy(os.path.join(here, '..', 'velocity', 'context.json'), os.path.join(out, 'context.json'))
for i in range(300):
    with open(os.path.join(out, 'r%03d.vm' % i), 'w', newline='') as f:
        f.write(block(0, rnd.randint(2, 12)))
