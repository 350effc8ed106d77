package sam

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/cache"
	"github.com/apigw/apigw/internal/decoded"
	"github.com/apigw/apigw/stage"
	"github.com/apigw/apigw/usageplan"
)

// methodSettings reads an Api's MethodSettings into the stage's settings
// and, for the cache-control ones, the cache's.
func (l *loader) methodSettings(ptr string, v any, api *API) {
	list, ok := v.([]any)
	if !ok {
		l.probs.add(ptr, "must be a list of method settings")
		return
	}
	for i, e := range list {
		ip := at(ptr, strconv.Itoa(i))
		m, ok := e.(map[string]any)
		if !ok {
			l.probs.add(ip, "must be an object")
			continue
		}
		path, method := "*", "*"
		var ms stage.MethodSettings
		for _, k := range sortedKeys(m) {
			kp := at(ip, k)
			x := m[k]
			switch k {
			case "ResourcePath":
				path = methodSettingPath(fmt.Sprint(x))
			case "HttpMethod":
				method = strings.ToUpper(fmt.Sprint(x))
			case "CachingEnabled":
				on, ok := x.(bool)
				if !ok {
					l.probs.add(kp, "must be true or false")
				}
				ms.CachingEnabled = &on
			case "CacheTtlInSeconds":
				n, ok := number(x)
				if !ok || n < 0 || n > 3600 {
					l.probs.add(kp, "must be 0 to 3600 seconds")
					continue
				}
				ms.CacheTTL = time.Duration(n) * time.Second
				if n == 0 {
					ms.CacheTTL = cache.Disabled
				}
			case "ThrottlingRateLimit":
				n, ok := number(x)
				if !ok || n < 0 {
					l.probs.add(kp, "must be a number of requests per second")
				}
				ms.ThrottlingRateLimit = n
			case "ThrottlingBurstLimit":
				n, ok := number(x)
				if !ok || n < 0 || n != float64(int(n)) {
					l.probs.add(kp, "must be a number of requests")
				}
				ms.ThrottlingBurstLimit = int(n)
			case "RequireAuthorizationForCacheControl":
				// One cache configuration serves the stage, where AWS keeps
				// this per method: the strictest entry wins, so that one
				// method anyone may refresh does not open the others.
				if on := boolSetting(l, kp, x); on != nil && (l.cacheAuth == nil || *on) {
					l.cacheAuth = on
				}
			case "UnauthorizedCacheControlHeaderStrategy":
				l.cacheStrategy = cache.Strategy(fmt.Sprint(x))
			case "MetricsEnabled":
				ms.MetricsEnabled = boolSetting(l, kp, x)
			case "LoggingLevel", "DataTraceEnabled", "CacheDataEncrypted":
				// CloudWatch Logs' execution logging and encryption at rest: AWS's.
			default:
				l.probs.add(kp, "apigw does not honour this method setting")
			}
		}
		if path == "*" && method == "*" {
			api.Stage.Settings = ms
			continue
		}
		if api.Stage.MethodSettings == nil {
			api.Stage.MethodSettings = map[string]stage.MethodSettings{}
		}
		api.Stage.MethodSettings[stage.Key(path, method)] = ms
	}
}

// routeSettings reads an HTTP API's DefaultRouteSettings and RouteSettings
// (throttling).
func (l *loader) routeSettings(ptr, key string, v any, api *API) {
	read := func(p string, m map[string]any) stage.MethodSettings {
		var ms stage.MethodSettings
		for _, k := range sortedKeys(m) {
			kp := at(p, k)
			switch k {
			case "ThrottlingRateLimit":
				n, _ := number(m[k])
				ms.ThrottlingRateLimit = n
			case "ThrottlingBurstLimit":
				n, _ := number(m[k])
				ms.ThrottlingBurstLimit = int(n)
			case "DetailedMetricsEnabled":
				ms.MetricsEnabled = boolSetting(l, kp, m[k])
			case "DataTraceEnabled", "LoggingLevel":
			default:
				l.probs.add(kp, "apigw does not honour this route setting")
			}
		}
		return ms
	}
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object")
		return
	}
	if key == "DefaultRouteSettings" {
		api.Stage.Settings = read(ptr, m)
		return
	}
	for _, route := range sortedKeys(m) {
		rm, _ := m[route].(map[string]any)
		key := stage.Default // the $default route's settings
		if route != stage.Default {
			method, path, ok := strings.Cut(route, " ")
			if !ok {
				l.probs.add(at(ptr, route), "a route key is \"METHOD /path\" or $default")
				continue
			}
			key = stage.Key(path, strings.ToUpper(method))
		}
		if api.Stage.MethodSettings == nil {
			api.Stage.MethodSettings = map[string]stage.MethodSettings{}
		}
		api.Stage.MethodSettings[key] = read(at(ptr, route), rm)
	}
}

// canary reads an Api's CanarySetting.
func (l *loader) canary(ptr string, v any, api *API) {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object")
		return
	}
	c := &stage.Canary{}
	for _, k := range sortedKeys(m) {
		kp := at(ptr, k)
		switch k {
		case "PercentTraffic":
			n, ok := number(m[k])
			if !ok {
				l.probs.add(kp, "must be a percentage")
			}
			c.Percent = n
		case "StageVariableOverrides":
			vars, ok := decoded.StringMap(m[k])
			if !ok {
				l.probs.add(kp, "must be an object of strings")
			}
			c.Variables = vars
		case "UseStageCache":
			c.UseStageCache, _ = m[k].(bool)
		case "DeploymentId":
			l.probs.add(kp, "a canary of another deployment: a template makes one deployment (use Gateway.CreateDeployment and SetCanary)")
		default:
			l.probs.add(kp, "apigw does not honour this property of a canary")
		}
	}
	api.Stage.Canary = c
}

// cacheConfig is the stage cache of an Api with CacheClusterEnabled.
func (l *loader) cacheConfig(api *API) *cache.Config {
	cfg := l.b.Cache
	return &cfg
}

// httpCORS writes an HttpApi's CorsConfiguration into the document as
// x-amazon-apigateway-cors.
func (l *loader) httpCORS(ptr string, v any, g *docGen) {
	out := map[string]any{}
	switch x := v.(type) {
	case bool:
		if !x {
			return
		}
		out = map[string]any{"allowOrigins": []any{"*"}, "allowMethods": []any{"*"}, "allowHeaders": []any{"*"}}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			switch k {
			case "AllowOrigins", "AllowMethods", "AllowHeaders", "ExposeHeaders", "MaxAge", "AllowCredentials":
				out[strings.ToLower(k[:1])+k[1:]] = x[k]
			default:
				l.probs.add(at(ptr, k), "apigw does not honour this property of CorsConfiguration")
			}
		}
	default:
		l.probs.add(ptr, "must be true or an object")
		return
	}
	g.doc["x-amazon-apigateway-cors"] = out
	g.origins = append(g.origins, origin{docPrefix: "/x-amazon-apigateway-cors", target: ptr})
}

// gatewayResponses writes an Api's GatewayResponses into the document.
func (l *loader) gatewayResponses(ptr string, v any, g *docGen) {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object of gateway responses by type")
		return
	}
	out := map[string]any{}
	for _, typ := range sortedKeys(m) {
		tp := at(ptr, typ)
		r, ok := m[typ].(map[string]any)
		if !ok {
			l.probs.add(tp, "must be an object")
			continue
		}
		gr := map[string]any{}
		for _, k := range sortedKeys(r) {
			kp := at(tp, k)
			switch k {
			case "StatusCode":
				gr["statusCode"] = r[k]
			case "ResponseTemplates":
				gr["responseTemplates"] = r[k]
			case "ResponseParameters":
				rp, ok := r[k].(map[string]any)
				if !ok {
					l.probs.add(kp, "must be an object of Headers, Paths and QueryStrings")
					continue
				}
				params := map[string]any{}
				for _, kind := range sortedKeys(rp) {
					vals, _ := rp[kind].(map[string]any)
					prefix := map[string]string{"Headers": "gatewayresponse.header.", "Paths": "gatewayresponse.path.", "QueryStrings": "gatewayresponse.querystring."}[kind]
					if prefix == "" {
						l.probs.add(at(kp, kind), "must be Headers, Paths or QueryStrings")
						continue
					}
					for _, name := range sortedKeys(vals) {
						params[prefix+name] = vals[name]
					}
				}
				gr["responseParameters"] = params
			default:
				l.probs.add(kp, "apigw does not honour this property of a gateway response")
			}
		}
		out[typ] = gr
		g.origins = append(g.origins, origin{docPrefix: at("/x-amazon-apigateway-gateway-responses", typ), target: tp})
	}
	g.doc["x-amazon-apigateway-gateway-responses"] = out
}

// usagePlans sets up the API's usage plans: Auth.UsagePlan, and the
// template's AWS::ApiGateway::UsagePlan, ApiKey and UsagePlanKey resources
// that cover the API's stage.
func (l *loader) usagePlans(spec *apiSpec, api *API) {
	a := l.apiAuth[spec.name]
	var plans []usageplan.Plan
	var keys []usageplan.APIKey
	planKeys := map[string][]string{}
	generated := map[string]bool{} // keys whose value AWS would generate
	stageRef := usageplan.APIStage{APIID: api.Name, Stage: api.Stage.Name}
	if a != nil && a.usagePlan != nil {
		if p, ok := l.samUsagePlan(a.usagePlanPtr, spec.name, a.usagePlan, stageRef); ok {
			plans = append(plans, p)
		}
	}
	for _, name := range sortedKeys(l.resources) {
		res := l.resources[name]
		ptr := at("/Resources", name, "Properties")
		typ := fmt.Sprint(res["Type"])
		if typ != "AWS::ApiGateway::UsagePlan" && typ != "AWS::ApiGateway::ApiKey" && typ != "AWS::ApiGateway::UsagePlanKey" {
			continue
		}
		props, _ := l.r.resolve(ptr, res["Properties"]).(map[string]any)
		switch typ {
		case "AWS::ApiGateway::UsagePlan":
			if p, ok := l.cfnUsagePlan(ptr, name, props, api, stageRef); ok {
				plans = append(plans, p)
			}
		case "AWS::ApiGateway::ApiKey":
			k := usageplan.APIKey{ID: name}
			for _, pk := range sortedKeys(props) {
				switch pk {
				case "Value":
					k.Value, _ = props[pk].(string)
				case "Name":
					k.Name, _ = props[pk].(string)
				case "Description":
					k.Description, _ = props[pk].(string)
				case "Enabled":
					on, _ := props[pk].(bool)
					k.Disabled = !on
				case "StageKeys", "Tags", "GenerateDistinctId", "CustomerId":
				default:
					l.probs.add(at(ptr, pk), "apigw does not honour this property of an API key")
				}
			}
			if k.Value == "" {
				generated[name] = true
				continue // generated by AWS: add it to API.UsagePlans
			}
			keys = append(keys, k)
		case "AWS::ApiGateway::UsagePlanKey":
			keyID, _ := props["KeyId"].(string)
			planID, _ := props["UsagePlanId"].(string)
			planKeys[planID] = append(planKeys[planID], keyID)
		}
	}
	if len(plans) == 0 && len(keys) == 0 && api.UsagePlans == nil {
		return
	}
	if api.UsagePlans == nil {
		reg, err := usageplan.New(l.b.UsagePlans)
		if err != nil {
			l.probs.add("", "Bindings.UsagePlans: %v", err)
			return
		}
		api.UsagePlans = reg
	}
	covered := map[string]bool{}
	for _, p := range plans {
		if err := api.UsagePlans.AddPlan(p); err != nil {
			l.probs.add(at("/Resources", p.ID), "%v", err)
			continue
		}
		covered[p.ID] = true
	}
	for _, k := range keys {
		if _, err := api.UsagePlans.AddKey(k); err != nil {
			l.probs.add(at("/Resources", k.ID, "Properties", "Value"), "%v", err)
			generated[k.ID] = true // reported: its plans' problem is this one
		}
	}
	for _, planID := range sortedKeys(planKeys) {
		if !covered[planID] {
			continue // a plan of another API
		}
		for _, keyID := range planKeys[planID] {
			if generated[keyID] {
				continue // not known: the user adds it, to the plans they choose
			}
			if err := api.UsagePlans.AddPlanKey(planID, keyID); err != nil {
				l.probs.add(at("/Resources", planID), "key %s: %v", keyID, err)
			}
		}
	}
}

// samUsagePlan reads an Api's Auth.UsagePlan.
func (l *loader) samUsagePlan(ptr, apiName string, m map[string]any, st usageplan.APIStage) (usageplan.Plan, bool) {
	p := usageplan.Plan{ID: apiName + "UsagePlan", Stages: []usageplan.APIStage{st}}
	for _, k := range sortedKeys(m) {
		kp := at(ptr, k)
		switch k {
		case "CreateUsagePlan":
			switch fmt.Sprint(m[k]) {
			case "PER_API":
			case "SHARED":
				p.ID = "ServerlessUsagePlan"
			case "NONE":
				return p, false
			default:
				l.probs.add(kp, "must be PER_API, SHARED or NONE")
				return p, false
			}
		case "Quota":
			p.Quota = l.quota(kp, m[k])
		case "Throttle":
			p.Throttle = l.throttle(kp, m[k])
		case "UsagePlanName":
			p.Name, _ = m[k].(string)
		case "Description":
			p.Description, _ = m[k].(string)
		case "Tags":
		default:
			l.probs.add(kp, "apigw does not honour this property of a usage plan")
		}
	}
	return p, true
}

// cfnUsagePlan reads an AWS::ApiGateway::UsagePlan; ok is false for a plan
// that does not cover the API's stage.
func (l *loader) cfnUsagePlan(ptr, name string, props map[string]any, api *API, st usageplan.APIStage) (usageplan.Plan, bool) {
	p := usageplan.Plan{ID: name}
	covers := false
	for _, k := range sortedKeys(props) {
		kp := at(ptr, k)
		switch k {
		case "ApiStages":
			list, _ := props[k].([]any)
			for i, e := range list {
				m, _ := e.(map[string]any)
				id, _ := m["ApiId"].(string)
				stageName, _ := m["Stage"].(string)
				if id != api.Name || stageName != st.Stage {
					continue
				}
				covers = true
				as := st
				if th, ok := m["Throttle"].(map[string]any); ok {
					as.Throttle = map[string]usageplan.Throttle{}
					for _, method := range sortedKeys(th) {
						if t := l.throttle(at(kp, strconv.Itoa(i), "Throttle", method), th[method]); t != nil {
							as.Throttle[method] = *t
						}
					}
				}
				p.Stages = append(p.Stages, as)
			}
		case "Quota":
			p.Quota = l.quota(kp, props[k])
		case "Throttle":
			p.Throttle = l.throttle(kp, props[k])
		case "UsagePlanName":
			p.Name, _ = props[k].(string)
		case "Description":
			p.Description, _ = props[k].(string)
		case "Tags":
		default:
			l.probs.add(kp, "apigw does not honour this property of a usage plan")
		}
	}
	return p, covers
}

func (l *loader) quota(ptr string, v any) *usageplan.Quota {
	m, _ := v.(map[string]any)
	q := &usageplan.Quota{}
	for _, k := range sortedKeys(m) {
		switch k {
		case "Limit":
			n, _ := number(m[k])
			q.Limit = int64(n)
		case "Offset":
			n, _ := number(m[k])
			q.Offset = int64(n)
		case "Period":
			q.Period = usageplan.Period(strings.ToUpper(fmt.Sprint(m[k])))
		default:
			l.probs.add(at(ptr, k), "unknown property of a quota")
		}
	}
	return q
}

func (l *loader) throttle(ptr string, v any) *usageplan.Throttle {
	m, _ := v.(map[string]any)
	t := &usageplan.Throttle{}
	for _, k := range sortedKeys(m) {
		switch k {
		case "RateLimit":
			t.Rate, _ = number(m[k])
		case "BurstLimit":
			n, _ := number(m[k])
			t.Burst = int(n)
		default:
			l.probs.add(at(ptr, k), "unknown property of a throttle")
		}
	}
	return t
}

// number reads a JSON number or a string holding one.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	}
	return 0, false
}

// methodSettingPath decodes a method setting's ResourcePath, where AWS
// writes the slashes of /pets/{id} as ~1 after the first: /~1pets~1{id}.
// "/*" is any resource.
func methodSettingPath(p string) string {
	if p == "/*" || p == "*" {
		return "*"
	}
	decoded := strings.ReplaceAll(strings.TrimPrefix(p, "/"), "~1", "/")
	if !strings.HasPrefix(decoded, "/") {
		decoded = "/" + decoded
	}
	return decoded
}

// boolSetting reads a setting that is true or false.
func boolSetting(l *loader, ptr string, v any) *bool {
	on, ok := v.(bool)
	if s, isString := v.(string); isString {
		// CloudFormation takes "true" and "false" for a Boolean, as a
		// parameter's !Ref gives them.
		on = strings.EqualFold(s, "true")
		ok = on || strings.EqualFold(s, "false")
	}
	if !ok {
		l.probs.add(ptr, "must be true or false")
		return nil
	}
	return &on
}

// accessLog reads AccessLogSetting (AccessLogSettings in an HTTP API):
// its Format becomes the stage's access log format, checked as AWS checks
// it when the gateway is built; the destination is CloudWatch's.
func (l *loader) accessLog(ptr string, v any, api *API) {
	m, ok := v.(map[string]any)
	if !ok {
		l.probs.add(ptr, "must be an object")
		return
	}
	for _, k := range sortedKeys(m) {
		switch k {
		case "Format":
			f, ok := m[k].(string)
			if !ok {
				l.probs.add(at(ptr, k), "must be a string")
				continue
			}
			if err := stage.ValidateAccessLogFormat(f); err != nil {
				l.probs.add(at(ptr, k), "%v", err)
				continue
			}
			api.Stage.AccessLogFormat = f
		case "DestinationArn":
		default:
			l.probs.add(at(ptr, k), "not a property of AccessLogSetting")
		}
	}
}
