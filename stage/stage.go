package stage

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/paramexpr"
)

// Default is the name of an HTTP API's default stage, served at the root of
// the API's URL (https://{api-id}.execute-api.{region}.amazonaws.com/);
// REST APIs have no such stage.
const Default = "$default"

// AWS's limits on stages and stage variables.
const (
	MaxNameLength          = 128
	MaxVariableNameLength  = 64
	MaxVariableValueLength = 512
	MaxVariables           = 100
)

// Stage is one stage of an API, as AWS's CreateStage describes it.
type Stage struct {
	// Name addresses the stage: the first path segment when a gateway
	// serves several stages. Letters, digits, '-' and '_', at most 128.
	Name string
	// Description is free text, for people.
	Description string
	// Variables are the stage variables, ${stageVariables.name} in
	// integration URIs and stageVariables in templates.
	Variables map[string]string
	// DeploymentID names the deployment the stage serves; "" serves the
	// gateway's latest deployment.
	DeploymentID string
	// Canary, when set, sends part of the stage's traffic elsewhere.
	Canary *Canary
	// Settings apply to every method of the stage (AWS's */* method setting).
	Settings MethodSettings
	// MethodSettings override Settings per method, keyed as AWS keys them:
	// "{resource path}/{METHOD}", e.g. "/artists/{id}/GET"; "*" stands for
	// any resource path or any method ("/artists/{id}/*", "*/*"). An HTTP
	// API's route settings are keyed by route key: "GET /artists/{id}",
	// "ANY /things", "$default".
	MethodSettings map[string]MethodSettings
	// AccessLogFormat is the format of the stage's access log, AWS's
	// accessLogSettings.format: text with $context variables (one line
	// per request, such as package monitor's CLF, JSON, XML and CSV
	// presets), which must include $context.requestId or
	// $context.extendedRequestId. A gateway's observer writes it (see
	// gateway.WithObserver); "" leaves the stage to the observer's default.
	AccessLogFormat string
}

// MethodSettings are the throttling, caching and metrics settings of a
// method (or of the whole stage). Zero values mean "not set": inherit.
type MethodSettings struct {
	// ThrottlingRateLimit is the steady requests per second; 0 is unset.
	ThrottlingRateLimit float64
	// ThrottlingBurstLimit is the token bucket's size; 0 is unset.
	ThrottlingBurstLimit int
	// CachingEnabled turns the stage cache on or off for the method; nil
	// inherits.
	CachingEnabled *bool
	// CacheTTL overrides the cache's TTL; 0 inherits. At most one hour.
	CacheTTL time.Duration
	// MetricsEnabled turns on AWS's detailed metrics for the method: its
	// metrics carry its resource and method besides the API and the
	// stage. nil inherits; off by default, as in AWS.
	MetricsEnabled *bool
}

// Canary is a canary release: Percent of the stage's requests are served by
// DeploymentID (or the stage's deployment when empty) with Variables laid
// over the stage's variables.
type Canary struct {
	// Percent of traffic, 0.0 to 100.0, at most one decimal.
	Percent float64
	// DeploymentID is the canary's deployment; "" keeps the stage's.
	DeploymentID string
	// Variables override the stage's variables on the canary side.
	Variables map[string]string
	// UseStageCache shares the stage's cache; when false the canary gets a
	// cache of its own.
	UseStageCache bool
	// Sticky, when set, keeps each client on one side (beyond AWS, which
	// draws every request at random).
	Sticky *Sticky
}

// Sticky says how a sticky canary recognises a client: by the first of these
// present on the request. A request that carries none is drawn at random.
type Sticky struct {
	APIKey bool   // the x-api-key header
	Header string // a request header
	Cookie string // a cookie
}

// Key returns the MethodSettings key for a resource path and method:
// "/artists/{id}/GET".
func Key(resourcePath, method string) string { return resourcePath + "/" + method }

// RouteKey returns an HTTP API's route key for a resource path and method:
// "GET /artists/{id}", or "$default" for the $default route (whose
// resource path is "$default").
func RouteKey(resourcePath, method string) string {
	if resourcePath == Default {
		return Default
	}
	return method + " " + resourcePath
}

// For returns the settings that apply to one method: the stage's Settings
// overlaid with the most specific matching MethodSettings entries
// ("*/*", then "{path}/*", then "*/{METHOD}", then "{path}/{METHOD}").
func (s *Stage) For(resourcePath, method string) MethodSettings {
	out := s.Settings
	for _, k := range []string{"*/*", resourcePath + "/*", "*/" + method, Key(resourcePath, method), RouteKey(resourcePath, method)} {
		if ms, ok := s.MethodSettings[k]; ok {
			out = out.overlay(ms)
		}
	}
	return out
}

func (m MethodSettings) overlay(o MethodSettings) MethodSettings {
	if o.ThrottlingRateLimit != 0 {
		m.ThrottlingRateLimit = o.ThrottlingRateLimit
	}
	if o.ThrottlingBurstLimit != 0 {
		m.ThrottlingBurstLimit = o.ThrottlingBurstLimit
	}
	if o.CachingEnabled != nil {
		m.CachingEnabled = o.CachingEnabled
	}
	if o.CacheTTL != 0 {
		m.CacheTTL = o.CacheTTL
	}
	if o.MetricsEnabled != nil {
		m.MetricsEnabled = o.MetricsEnabled
	}
	return m
}

// Validate checks the stage against AWS's rules and reports every problem,
// each naming its field.
func (s *Stage) Validate() error {
	var errs []error
	if err := ValidateName(s.Name); err != nil {
		errs = append(errs, fmt.Errorf("Name: %w", err))
	}
	errs = append(errs, validateVariables("Variables", s.Variables)...)
	errs = append(errs, s.Settings.validate("Settings")...)
	for _, k := range sortedKeys(s.MethodSettings) {
		if !validSettingsKey(k) {
			errs = append(errs, fmt.Errorf("MethodSettings[%q]: key is neither {resource path}/{METHOD} nor a route key (\"{METHOD} {path}\", \"$default\")", k))
		}
		ms := s.MethodSettings[k]
		errs = append(errs, ms.validate(fmt.Sprintf("MethodSettings[%q]", k))...)
	}
	if s.AccessLogFormat != "" {
		if err := ValidateAccessLogFormat(s.AccessLogFormat); err != nil {
			errs = append(errs, fmt.Errorf("AccessLogFormat: %w", err))
		}
	}
	if c := s.Canary; c != nil {
		if math.IsNaN(c.Percent) || c.Percent < 0 || c.Percent > 100 {
			errs = append(errs, fmt.Errorf("Canary.Percent %v: must be between 0 and 100", c.Percent))
		} else if r := math.Round(c.Percent * 10); math.Abs(r-c.Percent*10) > 1e-9 {
			errs = append(errs, fmt.Errorf("Canary.Percent %v: at most one decimal", c.Percent))
		}
		errs = append(errs, validateVariables("Canary.Variables", c.Variables)...)
		if c.Sticky != nil && !c.Sticky.APIKey && c.Sticky.Header == "" && c.Sticky.Cookie == "" {
			errs = append(errs, errors.New("Canary.Sticky: names no API key, header or cookie"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stage %q: %w", s.Name, err)
	}
	return nil
}

// validSettingsKey reports whether k is a method settings key
// ("/pets/GET", "*/*") or an HTTP API route key ("GET /pets", "$default").
func validSettingsKey(k string) bool {
	if k == Default {
		return true
	}
	if m, p, ok := strings.Cut(k, " "); ok {
		return m != "" && strings.HasPrefix(p, "/")
	}
	i := strings.LastIndexByte(k, '/')
	return i >= 0 && k[i+1:] != "" && (i != 0 || k[0] == '/')
}

func (m MethodSettings) validate(field string) []error {
	var errs []error
	if m.ThrottlingRateLimit < 0 || math.IsNaN(m.ThrottlingRateLimit) || math.IsInf(m.ThrottlingRateLimit, 0) {
		errs = append(errs, fmt.Errorf("%s.ThrottlingRateLimit %v: must be a finite number ≥ 0", field, m.ThrottlingRateLimit))
	}
	if m.ThrottlingBurstLimit < 0 {
		errs = append(errs, fmt.Errorf("%s.ThrottlingBurstLimit %d: must be ≥ 0", field, m.ThrottlingBurstLimit))
	}
	if m.CacheTTL < 0 || m.CacheTTL > time.Hour {
		errs = append(errs, fmt.Errorf("%s.CacheTTL %v: must be between 0 and 1h", field, m.CacheTTL))
	}
	return errs
}

// ValidateAccessLogFormat checks an access log format as AWS does: text
// whose substitutions are $context variables, one line, with
// $context.requestId or $context.extendedRequestId.
func ValidateAccessLogFormat(format string) error {
	t, err := paramexpr.ParseTemplate(format, paramexpr.Kinds(paramexpr.Context))
	if err != nil {
		return err
	}
	if strings.ContainsAny(format, "\r\n") {
		return errors.New("must be one line")
	}
	for _, e := range t.Exprs() {
		if e.Name == "requestId" || e.Name == "extendedRequestId" {
			return nil
		}
	}
	return errors.New("must include $context.requestId or $context.extendedRequestId")
}

// ValidateName checks a stage name: letters, digits, '-' and '_', 1 to 128,
// or [Default] (an HTTP API's; a REST gateway refuses it).
func ValidateName(name string) error {
	if name == Default {
		return nil
	}
	if name == "" {
		return errors.New("empty")
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("%q is longer than %d characters", name, MaxNameLength)
	}
	for _, r := range name {
		if !isAlnum(r) && r != '-' && r != '_' {
			return fmt.Errorf("%q: only letters, digits, '-' and '_' are allowed", name)
		}
	}
	return nil
}

func validateVariables(field string, vars map[string]string) []error {
	var errs []error
	if len(vars) > MaxVariables {
		errs = append(errs, fmt.Errorf("%s: %d variables, at most %d", field, len(vars), MaxVariables))
	}
	for _, name := range sortedKeys(vars) {
		if err := ValidateVariable(name, vars[name]); err != nil {
			errs = append(errs, fmt.Errorf("%s[%q]: %w", field, name, err))
		}
	}
	return errs
}

// ValidateVariable checks a stage variable with AWS's rules: names
// [A-Za-z0-9_]{1,64}; values of letters, digits and -._~:/?#&=, at most 512.
func ValidateVariable(name, value string) error {
	if name == "" || len(name) > MaxVariableNameLength {
		return fmt.Errorf("name must be 1 to %d characters", MaxVariableNameLength)
	}
	for _, r := range name {
		if !isAlnum(r) && r != '_' {
			return errors.New("name: only letters, digits and '_' are allowed")
		}
	}
	if len(value) > MaxVariableValueLength {
		return fmt.Errorf("value is longer than %d characters", MaxVariableValueLength)
	}
	for _, r := range value {
		if !isAlnum(r) && !strings.ContainsRune("-._~:/?#&=,", r) {
			return fmt.Errorf("value %q: character %q is not allowed (letters, digits and -._~:/?#&=, only)", value, r)
		}
	}
	return nil
}

func isAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// MergeVariables returns base with overrides laid over it; neither is changed.
func MergeVariables(base, overrides map[string]string) map[string]string {
	if len(overrides) == 0 {
		return base
	}
	out := make(map[string]string, len(base)+len(overrides))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range overrides {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
