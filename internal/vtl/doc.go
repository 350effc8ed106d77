// Package vtl is the Velocity Template Language as API Gateway's mapping
// templates speak it: a template is parsed once ([Parse]) into a tree that
// is evaluated per request ([Template.Execute]) over the host's variables
// ([Vars]), with no net/http in sight. Package mapping gives it $input,
// $context, $stageVariables and $util.
//
// # Which Velocity
//
// API Gateway runs its templates on Apache Velocity 1.7: $foreach.hasNext
// (new in 1.7) and $velocityCount (gone in 2.0) both work there, and the
// whitespace its documented examples produce is 1.7's. The lexical rules
// are 1.7's, checked byte for byte against the real engine on the corpus
// in testdata/velocity (testdata/tools/gen.sh regenerates the outputs):
//
//   - a directive's closing ), #else and #end eat the spaces and the one
//     newline that follow them; #set also eats the spaces before it where
//     they start a token; the indentation before other directives is
//     written;
//   - ## comments eat their newline, #* *# comments do not; #[[ ]]# is
//     text;
//   - \$a writes $a (\$a of a null writes \$a), \\$a writes \ and the
//     value, \#if writes #if; a $ or # that starts nothing is text, and the
//     ! of a $! that starts nothing is dropped;
//   - "double-quoted" strings are templates, 'single-quoted' ones are not,
//     "" and ” stand for one quote, \uXXXX for a character;
//   - - before a digit is part of a number: "$a -1" does not parse;
//   - identifiers may hold '-': $a-b is one name.
//
// Values are Java's: integers stay integers (7/2 is 3), a division by zero
// or arithmetic on a non-number is null, + with a string concatenates, ==
// compares numbers by value and other values of different kinds by their
// text, #foreach iterates lists and a map's values, lists print as
// [a, b] and maps as {k=v}. Strings have Java's methods (length,
// substring, indexOf, replace, replaceAll with Java's $1, split, trim,
// toLowerCase, contains, startsWith, equals, isEmpty, matches, ...),
// indexed in UTF-16 units as Java's are; lists and maps have size, get,
// isEmpty, contains(Key), keySet, entrySet, values, add, put, remove.
//
// # API Gateway's dialect
//
// With [Options].NullAsEmpty, a reference whose value is null is the empty
// string, wherever it is used: written, compared ($x == "" and $x == $null
// are both true), passed to a method or assigned. That is what API Gateway
// answers (LocalStack's recordings of real responses, and #if($missing)
// being true there); plain Velocity writes the reference as it was
// written. [Options].MaxLoops stops a #foreach after that many iterations,
// as Velocity's directive.foreach.maxloops does (AWS's quota is 1,000);
// MaxSteps and MaxOutput end an evaluation that runs too long or writes too
// much with [ErrLimit].
//
// [Path] is JSONPath as $input.path and $input.json read it.
//
// # Speed
//
// Parsing numbers a template's variables, so that an evaluation keeps them
// in slots, not by name; its state is on its stack, its storage reused
// ([Buffers]). A host's values can spare it work, each interface a promise
// to behave as the plain value would: a [StringList]'s strings are bound
// by #foreach without being boxed in an any, a [StringFuncs] method such
// as $util.escapeJavaScript is called on them and its result written
// without boxing either, an [Appender] writes a method's result straight
// into the output ($input.json), and a [FixedVars] host's variables are
// looked up once per evaluation. The differences are checked by
// FuzzStringValues.
//
// # Not supported
//
// #include, #parse, #evaluate, #literal and block macro calls (#@name) are
// build errors, as are method and property calls that Java would resolve by
// reflection on classes ($s.class, $s.getBytes()) — those evaluate to null.
// Macro arguments are evaluated once, at the call (Velocity re-evaluates
// them at each use; only side effects tell the difference). Regular
// expressions are Go's RE2: lookaround and backreferences are errors, and
// no expression can take exponential time. Integer overflow past 64 bits
// is an error where Java would move to BigInteger. String.split gives a
// list, written [a, b]; Java writes an array as its address.
package vtl
