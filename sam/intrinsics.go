package sam

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// resolver evaluates CloudFormation's intrinsic functions over the parts
// of a template that make an API, with the values a deployment would give:
// parameters (defaults or Bindings.Parameters), pseudo parameters, and
// resources named by their logical ids.
type resolver struct {
	params     map[string]any
	resources  map[string]map[string]any
	mappings   map[string]any
	conditions map[string]any
	decided    map[string]bool
	deciding   map[string]bool
	region     string
	account    string
	probs      *problems
}

// noValue is what AWS::NoValue resolves to: the property is removed.
type noValue struct{}

// resolve returns v with every intrinsic function evaluated; ptr is v's
// pointer, for problems. A property whose value is AWS::NoValue is left
// out of its map or list.
func (r *resolver) resolve(ptr string, v any) any {
	return r.eval(ptr, v, 0)
}

const maxEvalDepth = 128

func (r *resolver) eval(ptr string, v any, depth int) any {
	if depth > maxEvalDepth {
		r.probs.add(ptr, "nested too deeply")
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return r.function(at(ptr, k), k, arg, depth+1)
				}
			}
		}
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			e := r.eval(at(ptr, k), x[k], depth+1)
			if _, ok := e.(noValue); !ok {
				out[k] = e
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			e = r.eval(at(ptr, strconv.Itoa(i)), e, depth+1)
			if _, ok := e.(noValue); !ok {
				out = append(out, e)
			}
		}
		return out
	}
	return v
}

// function evaluates one intrinsic function; ptr points at its name.
func (r *resolver) function(ptr, name string, arg any, depth int) any {
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			r.probs.add(ptr, "Ref takes a name")
			return nil
		}
		return r.ref(ptr, s)
	case "Fn::GetAtt":
		var res, attr string
		switch a := arg.(type) {
		case string:
			res, attr, _ = strings.Cut(a, ".")
		case []any:
			if len(a) == 2 {
				res, _ = a[0].(string)
				attr, _ = r.eval(ptr, a[1], depth).(string)
			}
		}
		if res == "" || attr == "" {
			r.probs.add(ptr, "Fn::GetAtt takes [resource, attribute] or \"resource.attribute\"")
			return nil
		}
		return r.getAtt(ptr, res, attr)
	case "Fn::Sub":
		return r.sub(ptr, arg, depth)
	case "Fn::Join":
		a, ok := r.eval(ptr, arg, depth).([]any)
		if !ok || len(a) != 2 {
			r.probs.add(ptr, "Fn::Join takes [delimiter, [values]]")
			return nil
		}
		delim, _ := a[0].(string)
		list, ok := a[1].([]any)
		if !ok {
			r.probs.add(ptr, "Fn::Join takes a list of values")
			return nil
		}
		parts := make([]string, 0, len(list))
		for _, e := range list {
			parts = append(parts, scalar(e))
		}
		return strings.Join(parts, delim)
	case "Fn::Select":
		a, ok := r.eval(ptr, arg, depth).([]any)
		if !ok || len(a) != 2 {
			r.probs.add(ptr, "Fn::Select takes [index, [values]]")
			return nil
		}
		i, err := strconv.Atoi(scalar(a[0]))
		list, ok := a[1].([]any)
		if err != nil || !ok || i < 0 || i >= len(list) {
			r.probs.add(ptr, "Fn::Select: index %v out of the list", a[0])
			return nil
		}
		return list[i]
	case "Fn::Split":
		a, ok := r.eval(ptr, arg, depth).([]any)
		if !ok || len(a) != 2 {
			r.probs.add(ptr, "Fn::Split takes [delimiter, string]")
			return nil
		}
		delim, _ := a[0].(string)
		s, _ := a[1].(string)
		var out []any
		for _, p := range strings.Split(s, delim) {
			out = append(out, p)
		}
		return out
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			r.probs.add(ptr, "Fn::If takes [condition, value if true, value if false]")
			return nil
		}
		cond, _ := a[0].(string)
		if r.condition(ptr, cond) {
			return r.eval(at(ptr, "1"), a[1], depth)
		}
		return r.eval(at(ptr, "2"), a[2], depth)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return r.boolean(ptr, map[string]any{name: arg}, depth)
	case "Fn::FindInMap":
		a, ok := r.eval(ptr, arg, depth).([]any)
		if !ok || len(a) < 3 {
			r.probs.add(ptr, "Fn::FindInMap takes [map, top-level key, second-level key]")
			return nil
		}
		m, _ := r.mappings[scalar(a[0])].(map[string]any)
		top, _ := m[scalar(a[1])].(map[string]any)
		v, found := top[scalar(a[2])]
		if !found {
			r.probs.add(ptr, "Fn::FindInMap: %v/%v/%v is not in the template's Mappings", a[0], a[1], a[2])
			return nil
		}
		return v
	case "Fn::Base64":
		return base64.StdEncoding.EncodeToString([]byte(scalar(r.eval(ptr, arg, depth))))
	case "Fn::GetAZs":
		return []any{r.region + "a", r.region + "b", r.region + "c"}
	}
	r.probs.add(ptr, "%s cannot be evaluated outside CloudFormation", name)
	return nil
}

// ref resolves Ref: a parameter, a pseudo parameter or a resource.
func (r *resolver) ref(ptr, name string) any {
	switch name {
	case "AWS::Region":
		return r.region
	case "AWS::AccountId":
		return r.account
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::StackName":
		return "apigw"
	case "AWS::StackId":
		return "arn:aws:cloudformation:" + r.region + ":" + r.account + ":stack/apigw/apigw"
	case "AWS::NoValue":
		return noValue{}
	case "AWS::NotificationARNs":
		return []any{}
	}
	if v, ok := r.params[name]; ok {
		return v
	}
	if api, ok := strings.CutSuffix(name, ".Stage"); ok {
		// SAM's reference to an API's stage: its name.
		if res, found := r.resources[api]; found {
			props, _ := res["Properties"].(map[string]any)
			if s, ok := props["StageName"].(string); ok {
				return s
			}
		}
		if api == implicitREST {
			return "Prod"
		}
	}
	res, ok := r.resources[name]
	if !ok {
		res, ok = r.implicit(name)
	}
	if !ok {
		r.probs.add(ptr, "Ref %q: no such parameter or resource", name)
		return nil
	}
	if fmt.Sprint(res["Type"]) == "AWS::Cognito::UserPool" {
		return r.poolID(name)
	}
	// A resource is named by its logical id: functions are bound by it.
	return name
}

// implicit returns the resources SAM generates that a template may name:
// the implicit APIs and each function's execution role.
func (r *resolver) implicit(name string) (map[string]any, bool) {
	switch name {
	case implicitREST:
		return map[string]any{"Type": typeAPI}, true
	case implicitHTTP:
		return map[string]any{"Type": typeHTTPAPI}, true
	}
	if api, ok := strings.CutSuffix(name, "UsagePlan"); ok {
		if res, found := r.resources[api]; found && fmt.Sprint(res["Type"]) == typeAPI || api == implicitREST || name == "ServerlessUsagePlan" {
			return map[string]any{"Type": "AWS::ApiGateway::UsagePlan"}, true
		}
	}
	if fn, ok := strings.CutSuffix(name, "Role"); ok {
		if res, found := r.resources[fn]; found && fmt.Sprint(res["Type"]) == typeFunction {
			return map[string]any{"Type": "AWS::IAM::Role"}, true
		}
	}
	return nil, false
}

// poolID is the id of a user pool the template defines: its logical id in
// the region, so that its issuer is
// https://cognito-idp.REGION.amazonaws.com/REGION_LogicalId.
func (r *resolver) poolID(name string) string { return r.region + "_" + name }

func (r *resolver) lambdaARN(name string) string {
	return "arn:aws:lambda:" + r.region + ":" + r.account + ":function:" + name
}

// getAtt resolves the attributes an API's definition may name.
func (r *resolver) getAtt(ptr, name, attr string) any {
	res, ok := r.resources[name]
	if !ok {
		res, ok = r.implicit(name)
	}
	if !ok {
		r.probs.add(ptr, "Fn::GetAtt %s.%s: no such resource", name, attr)
		return nil
	}
	typ := fmt.Sprint(res["Type"])
	switch {
	case (typ == "AWS::Serverless::Function" || typ == "AWS::Lambda::Function") && attr == "Arn":
		return r.lambdaARN(name)
	case typ == "AWS::Cognito::UserPool" && attr == "Arn":
		return "arn:aws:cognito-idp:" + r.region + ":" + r.account + ":userpool/" + r.poolID(name)
	case typ == "AWS::Cognito::UserPool" && (attr == "ProviderURL" || attr == "ProviderName"):
		return "cognito-idp." + r.region + ".amazonaws.com/" + r.poolID(name)
	case typ == "AWS::IAM::Role" && attr == "Arn":
		return "arn:aws:iam::" + r.account + ":role/" + name
	case (typ == "AWS::Serverless::Api" || typ == "AWS::ApiGateway::RestApi") && attr == "RootResourceId":
		return "root"
	}
	r.probs.add(ptr, "Fn::GetAtt %s.%s: apigw does not know this attribute of %s", name, attr, typ)
	return nil
}

// sub resolves Fn::Sub, in both forms.
func (r *resolver) sub(ptr string, arg any, depth int) any {
	var tmpl string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			r.probs.add(ptr, "Fn::Sub takes a string or [string, {variables}]")
			return nil
		}
		tmpl, _ = a[0].(string)
		m, ok := r.eval(at(ptr, "1"), a[1], depth).(map[string]any)
		if !ok {
			r.probs.add(ptr, "Fn::Sub's variables must be a map")
			return nil
		}
		vars = m
	default:
		r.probs.add(ptr, "Fn::Sub takes a string or [string, {variables}]")
		return nil
	}
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl[i:])
			break
		}
		name := tmpl[i+2 : i+j]
		tmpl = tmpl[i+j+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}") // ${!Literal}
			continue
		}
		if v, ok := vars[name]; ok {
			b.WriteString(scalar(v))
			continue
		}
		if res, attr, dotted := strings.Cut(name, "."); dotted {
			b.WriteString(scalar(r.getAtt(ptr, res, attr)))
			continue
		}
		b.WriteString(scalar(r.ref(ptr, name)))
	}
	return b.String()
}

// condition decides a named condition of the template.
func (r *resolver) condition(ptr, name string) bool {
	if v, ok := r.decided[name]; ok {
		return v
	}
	def, ok := r.conditions[name]
	if !ok {
		r.probs.add(ptr, "condition %q: not in the template's Conditions", name)
		return false
	}
	if r.deciding[name] {
		r.probs.add(ptr, "condition %q depends on itself", name)
		return false
	}
	r.deciding[name] = true
	v := r.boolean(at("/Conditions", name), def, 0)
	delete(r.deciding, name)
	r.decided[name] = v
	return v
}

// boolean evaluates a condition function.
func (r *resolver) boolean(ptr string, v any, depth int) bool {
	if depth > maxEvalDepth {
		r.probs.add(ptr, "nested too deeply")
		return false
	}
	m, ok := v.(map[string]any)
	if ok && len(m) == 1 {
		for k, arg := range m {
			kp := at(ptr, k)
			list, _ := arg.([]any)
			switch k {
			case "Condition":
				name, _ := arg.(string)
				return r.condition(kp, name)
			case "Fn::Equals":
				if len(list) != 2 {
					r.probs.add(kp, "Fn::Equals takes two values")
					return false
				}
				return scalar(r.eval(kp, list[0], depth+1)) == scalar(r.eval(kp, list[1], depth+1))
			case "Fn::And", "Fn::Or":
				if len(list) < 2 {
					r.probs.add(kp, "%s takes 2 to 10 conditions", k)
					return false
				}
				and := k == "Fn::And"
				for i, c := range list {
					if r.boolean(at(kp, strconv.Itoa(i)), c, depth+1) != and {
						return !and
					}
				}
				return and
			case "Fn::Not":
				if len(list) != 1 {
					r.probs.add(kp, "Fn::Not takes one condition")
					return false
				}
				return !r.boolean(at(kp, "0"), list[0], depth+1)
			}
		}
	}
	if b, ok := r.eval(ptr, v, depth+1).(bool); ok {
		return b
	}
	if s, ok := v.(string); ok {
		return strings.EqualFold(s, "true")
	}
	r.probs.add(ptr, "not a condition")
	return false
}

// scalar renders a resolved value as CloudFormation does in strings.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, scalar(e))
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
