package validator

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/apigw/apigw/internal/jsontape"
)

// decimal is a JSON number read exactly, without big numbers: its value is
// 0.d₁d₂… × 10^point, negative when neg, where the significant digits
// d₁d₂… are hi then lo (slices of the number's text: hi from the integer
// part, lo from the fraction), with no leading or trailing zeros. Zero has
// no digits.
//
// ratOK says whether jsonschema can read the number: it reads numbers with
// big.Rat.SetString, which refuses an exponent that does not fit in 64
// bits, or one that, less the number of fraction digits, is beyond ±10⁶
// (unless the number is zero). jsonschema says such a number is not an
// integer and equals nothing, and panics on minimum, maximum, multipleOf
// and uniqueItems beyond 20 items: a body with one is left to jsonschema
// (see readable).
type decimal struct {
	neg    bool
	ratOK  bool
	hi, lo string
	point  int64
}

// parseDecimal reads s, a number as the JSON grammar writes it. It does
// not allocate.
func parseDecimal(s string) decimal {
	var d decimal
	if s != "" && s[0] == '-' {
		d.neg = true
		s = s[1:]
	}
	mant, expText := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, expText = s[:i], s[i+1:]
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	var exp int64
	expOK := true
	if expText != "" {
		var err error
		exp, err = strconv.ParseInt(expText, 10, 64)
		expOK = err == nil
	}
	ip := strings.TrimLeft(intPart, "0")
	if ip == "" {
		fr := strings.TrimRight(frac, "0")
		lo := strings.TrimLeft(fr, "0")
		d.lo = lo
		d.point = exp - int64(len(fr)-len(lo))
	} else {
		fr := strings.TrimRight(frac, "0")
		if fr == "" {
			d.hi = strings.TrimRight(ip, "0")
		} else {
			d.hi, d.lo = ip, fr
		}
		d.point = int64(len(ip)) + exp
	}
	if d.zero() {
		d.neg, d.point = false, 0
		d.ratOK = expOK
		return d
	}
	// As big.Rat.SetString: exp5 = exp - fraction digits, in 64-bit
	// arithmetic, and |exp5| <= 1e6.
	exp5 := exp - int64(len(frac))
	n := exp5
	if n < 0 {
		n = -n
	}
	d.ratOK = expOK && n >= 0 && n <= 1e6
	return d
}

func (x decimal) zero() bool { return x.hi == "" && x.lo == "" }

// ndigits is the number of significant digits.
func (x decimal) ndigits() int { return len(x.hi) + len(x.lo) }

// digit is significant digit k (0-based), '0' beyond the last.
func (x decimal) digit(k int) byte {
	switch {
	case k < len(x.hi):
		return x.hi[k]
	case k-len(x.hi) < len(x.lo):
		return x.lo[k-len(x.hi)]
	}
	return '0'
}

// readable reports whether jsonschema can read every number of d (see
// decimal's ratOK): only a number with an exponent, or over a million
// digits, may be one it cannot.
func readable(d *jsontape.Doc) bool {
	for i := range int32(d.Nodes()) {
		if d.Kind(i) != jsontape.Number {
			continue
		}
		raw := d.Raw(i)
		if (len(raw) > 1e6 || strings.ContainsAny(raw, "eE")) && !parseDecimal(raw).ratOK {
			return false
		}
	}
	return true
}

// ratDecimal converts r, a number of a schema (a finite decimal, as JSON
// numbers are), to a decimal; ok is false for a fraction with no finite
// decimal form.
func ratDecimal(r *big.Rat) (decimal, bool) {
	den := new(big.Int).Set(r.Denom())
	places := 0
	two, five := big.NewInt(2), big.NewInt(5)
	m := new(big.Int)
	for twos, fives := 0, 0; ; {
		if m.Mod(den, two).Sign() == 0 {
			den.Quo(den, two)
			twos++
		} else if m.Mod(den, five).Sign() == 0 {
			den.Quo(den, five)
			fives++
		} else {
			places = max(twos, fives)
			break
		}
	}
	if den.Cmp(big.NewInt(1)) != 0 {
		return decimal{}, false
	}
	d := parseDecimal(r.FloatString(places))
	return d, d.ratOK
}

// cmp compares x and y (both ratOK): -1, 0 or +1.
func (x decimal) cmp(y decimal) int {
	switch {
	case x.zero() && y.zero():
		return 0
	case x.zero():
		if y.neg {
			return 1
		}
		return -1
	case y.zero():
		if x.neg {
			return -1
		}
		return 1
	case x.neg != y.neg:
		if x.neg {
			return -1
		}
		return 1
	}
	c := 0
	if x.point != y.point {
		c = 1
		if x.point < y.point {
			c = -1
		}
	} else {
		for k := range max(x.ndigits(), y.ndigits()) {
			if a, b := x.digit(k), y.digit(k); a != b {
				c = 1
				if a < b {
					c = -1
				}
				break
			}
		}
	}
	if x.neg {
		c = -c
	}
	return c
}

// isInteger reports whether jsonschema reads x as an integer.
func (x decimal) isInteger() bool {
	return x.ratOK && (x.zero() || x.point >= int64(x.ndigits()))
}

// equal reports whether jsonschema reads x and y as equal numbers.
func (x decimal) equal(y decimal) bool { return x.ratOK && y.ratOK && x.cmp(y) == 0 }

// absUint64 returns |x| when x is an integer and |x| < 10^19.
func (x decimal) absUint64() (uint64, bool) {
	if !x.isInteger() || x.point > 19 {
		return 0, false
	}
	if x.zero() {
		return 0, true
	}
	var n uint64
	for i := range int(x.point) {
		next := n*10 + uint64(x.digit(i)-'0')
		if next/10 != n {
			return 0, false
		}
		n = next
	}
	return n, true
}

// multipleOf reports whether x (text s) is a multiple of m, as jsonschema
// decides it: the quotient is an integer. Small integers are checked with
// a remainder, the rest with big.Rat as jsonschema does.
func multipleOf(x decimal, s string, m *big.Rat, mu uint64, muOK bool) bool {
	if muOK && mu != 0 {
		if n, ok := x.absUint64(); ok {
			return n%mu == 0
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return false
	}
	return new(big.Rat).Quo(r, m).IsInt()
}
