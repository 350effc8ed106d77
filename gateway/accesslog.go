package gateway

import (
	"context"
	"log/slog"

	"github.com/apigw/apigw"
)

// logAccess writes the request's access-log record: the fields of AWS's
// CLF-like access log format, as slog attributes named after $context.
func logAccess(ctx context.Context, l *slog.Logger, c *apigw.Context) {
	level := slog.LevelInfo
	switch {
	case c.Status >= 500:
		level = slog.LevelError
	case c.Status >= 400:
		level = slog.LevelWarn
	}
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("requestId", c.RequestID),
		slog.String("ip", c.Identity.SourceIP),
		slog.String("requestTime", c.RequestTimeString()),
		slog.String("httpMethod", c.HTTPMethod),
		slog.String("resourcePath", c.ResourcePath),
		slog.String("path", c.Path),
		slog.String("stage", c.Stage),
		slog.Int("status", c.Status),
		slog.String("protocol", c.Protocol),
		slog.Int64("responseLength", c.ResponseLength),
		slog.Int64("integrationLatency", c.IntegrationLatency.Milliseconds()),
		slog.Int64("responseLatency", c.ResponseLatency.Milliseconds()),
	}
	if c.IntegrationStatus != 0 {
		attrs = append(attrs, slog.Int("integrationStatus", c.IntegrationStatus))
	}
	if c.IsCanaryRequest {
		attrs = append(attrs, slog.Bool("isCanaryRequest", true))
	}
	if c.Identity.APIKeyID != "" {
		attrs = append(attrs, slog.String("apiKeyId", c.Identity.APIKeyID))
	}
	if c.Authorizer.PrincipalID != "" {
		attrs = append(attrs, slog.String("principalId", c.Authorizer.PrincipalID))
	}
	if c.Error.ResponseType != "" {
		attrs = append(attrs,
			slog.String("errorResponseType", string(c.Error.ResponseType)),
			slog.String("errorMessage", c.Error.Message))
		if c.Error.ValidationErrorString != "" {
			attrs = append(attrs, slog.String("validationErrorString", c.Error.ValidationErrorString))
		}
	}
	if c.Error.Cause != nil {
		attrs = append(attrs, slog.String("errorCause", c.Error.Cause.Error()))
	}
	l.LogAttrs(ctx, level, "request", attrs...)
}
