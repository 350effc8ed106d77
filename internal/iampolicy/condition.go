package iampolicy

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Context holds a request's values of the condition keys. An empty string
// (or an invalid SourceIP) is an absent key.
type Context struct {
	SourceIP        netip.Addr // aws:SourceIp
	SourceVpce      string     // aws:SourceVpce
	SourceVpc       string     // aws:SourceVpc
	UserID          string     // aws:userid
	Username        string     // aws:username
	UserAgent       string     // aws:UserAgent
	Referer         string     // aws:Referer
	SecureTransport string     // aws:SecureTransport: "true" or "false"
	// Keys holds any other key by its lower-cased name
	// (aws:principaltag/team, apigw:stage, ...).
	Keys map[string]string
}

// keyID names the condition keys read from fields; keyOther reads Keys.
type keyID uint8

const (
	keyOther keyID = iota
	keySourceIP
	keySourceVpce
	keySourceVpc
	keyPrincipalAccount
	keyPrincipalARN
	keyUserID
	keyUsername
	keyUserAgent
	keyReferer
	keySecureTransport
)

var knownKeys = map[string]keyID{
	"aws:sourceip":         keySourceIP,
	"aws:sourcevpce":       keySourceVpce,
	"aws:sourcevpc":        keySourceVpc,
	"aws:principalaccount": keyPrincipalAccount,
	"aws:principalarn":     keyPrincipalARN,
	"aws:userid":           keyUserID,
	"aws:username":         keyUsername,
	"aws:useragent":        keyUserAgent,
	"aws:referer":          keyReferer,
	"aws:securetransport":  keySecureTransport,
}

// value returns the request's value of the key and whether it is present.
func (c *condition) value(r *Request) (string, bool) {
	switch c.key {
	case keyPrincipalAccount:
		return r.Principal.Account, r.Principal.Account != ""
	case keyPrincipalARN:
		return r.Principal.ARN, r.Principal.ARN != ""
	}
	x := r.Context
	if x == nil {
		return "", false
	}
	var v string
	switch c.key {
	case keySourceIP:
		if !x.SourceIP.IsValid() {
			return "", false
		}
		return "", true // IpAddress reads x.SourceIP itself
	case keySourceVpce:
		v = x.SourceVpce
	case keySourceVpc:
		v = x.SourceVpc
	case keyUserID:
		v = x.UserID
	case keyUsername:
		v = x.Username
	case keyUserAgent:
		v = x.UserAgent
	case keyReferer:
		v = x.Referer
	case keySecureTransport:
		v = x.SecureTransport
	default:
		var ok bool
		v, ok = x.Keys[c.name]
		return v, ok
	}
	return v, v != ""
}

type opKind uint8

const (
	opStringEquals opKind = iota
	opStringEqualsIgnoreCase
	opStringLike
	opArnLike
	opIPAddress
	opBool
	opNull
)

var operators = map[string]struct {
	kind   opKind
	negate bool
}{
	"StringEquals":              {opStringEquals, false},
	"StringNotEquals":           {opStringEquals, true},
	"StringEqualsIgnoreCase":    {opStringEqualsIgnoreCase, false},
	"StringNotEqualsIgnoreCase": {opStringEqualsIgnoreCase, true},
	"StringLike":                {opStringLike, false},
	"StringNotLike":             {opStringLike, true},
	"ArnEquals":                 {opArnLike, false},
	"ArnLike":                   {opArnLike, false},
	"ArnNotEquals":              {opArnLike, true},
	"ArnNotLike":                {opArnLike, true},
	"IpAddress":                 {opIPAddress, false},
	"NotIpAddress":              {opIPAddress, true},
	"Bool":                      {opBool, false},
	"Null":                      {opNull, false},
}

// condition is one operator applied to one key with its values.
type condition struct {
	op       opKind
	negate   bool
	ifExists bool
	key      keyID
	name     string // lower-cased key name
	values   []string
	patterns []Pattern
	prefixes []netip.Prefix
}

func compileCondition(op, key string, values Strings) (condition, error) {
	c := condition{name: strings.ToLower(key)}
	base, ifExists := strings.CutSuffix(op, "IfExists")
	def, ok := operators[base]
	if !ok || (ifExists && def.kind == opNull) {
		return c, fmt.Errorf("unsupported condition operator %q", op)
	}
	c.op, c.negate, c.ifExists = def.kind, def.negate, ifExists
	if key == "" {
		return c, errors.New("empty condition key")
	}
	c.key = knownKeys[c.name]
	if len(values) == 0 {
		return c, errors.New("no value")
	}
	switch c.op {
	case opStringEquals:
		c.values = values
	case opStringEqualsIgnoreCase:
		for _, v := range values {
			c.values = append(c.values, strings.ToLower(v))
		}
	case opStringLike, opArnLike:
		for _, v := range values {
			c.patterns = append(c.patterns, NewPattern(v))
		}
	case opIPAddress:
		for _, v := range values {
			p, err := parsePrefix(v)
			if err != nil {
				return c, err
			}
			c.prefixes = append(c.prefixes, p)
		}
	case opBool, opNull:
		for _, v := range values {
			lv := strings.ToLower(v)
			if lv != "true" && lv != "false" {
				return c, fmt.Errorf("value %q is neither true nor false", v)
			}
			c.values = append(c.values, lv)
		}
	}
	return c, nil
}

// parsePrefix reads an IP address or CIDR block; an address alone is a
// block of one.
func parsePrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("value %q: not a CIDR block", v)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("value %q: not an IP address", v)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// eval applies the condition to r. The values of one key are OR'd; a
// negated operator is true when none matches. An absent key makes a
// positive operator false and a negated one true; ...IfExists makes it
// true.
func (c *condition) eval(r *Request) bool {
	v, present := c.value(r)
	if c.op == opNull {
		absent := !present
		for _, want := range c.values {
			if (want == "true") == absent {
				return true
			}
		}
		return false
	}
	if !present {
		return c.ifExists || c.negate
	}
	return c.match(r, v) != c.negate
}

// match reports whether any of the condition's values matches v.
func (c *condition) match(r *Request, v string) bool {
	switch c.op {
	case opStringEquals:
		for _, want := range c.values {
			if v == want {
				return true
			}
		}
	case opStringEqualsIgnoreCase:
		for _, want := range c.values {
			if equalFoldLower(v, want) {
				return true
			}
		}
	case opStringLike, opArnLike:
		for _, p := range c.patterns {
			if p.Match(v) {
				return true
			}
		}
	case opIPAddress:
		addr := netip.Addr{}
		if c.key == keySourceIP {
			addr = r.Context.SourceIP
		} else if a, err := netip.ParseAddr(strings.Clone(v)); err == nil { // a zone would keep v
			addr = a
		}
		if !addr.IsValid() {
			return false
		}
		// An IPv4-mapped address is its IPv4 address; a zone (fe80::1%eth0,
		// which net/http puts in RemoteAddr for a link-local peer) names the
		// interface, not the address, and netip.Prefix.Contains is false for
		// any zoned address: a Deny on the range must still apply.
		addr = addr.Unmap().WithZone("")
		for _, p := range c.prefixes {
			if p.Contains(addr) {
				return true
			}
		}
	case opBool:
		for _, want := range c.values {
			if strings.EqualFold(v, want) {
				return true
			}
		}
	}
	return false
}
