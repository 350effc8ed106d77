package awsintegration

// protocol is how a service takes an action-style call.
type protocol uint8

const (
	// queryProtocol: Action (and Version) in the query string, the
	// parameters in the query string or a form-encoded body (SQS, SNS).
	queryProtocol protocol = iota
	// jsonProtocol: POST /, X-Amz-Target: {prefix}.{Action}, a JSON body
	// of Content-Type application/x-amz-json-{version}.
	jsonProtocol
	// restProtocol: no actions, only paths (S3, Lambda).
	restProtocol
)

// service is what the gateway knows of an AWS service's API, as API
// Gateway does when it calls an action.
type service struct {
	protocol    protocol
	version     string // the query protocol's Version
	target      string // the JSON protocol's X-Amz-Target prefix
	jsonVersion string // "1.0" or "1.1"
}

// services are the services whose actions are known. An action of another
// service is called with the query protocol, without a Version.
var services = map[string]service{
	"sqs":            {protocol: queryProtocol, version: "2012-11-05"},
	"sns":            {protocol: queryProtocol, version: "2010-03-31"},
	"sts":            {protocol: queryProtocol, version: "2011-06-15"},
	"dynamodb":       {protocol: jsonProtocol, target: "DynamoDB_20120810", jsonVersion: "1.0"},
	"kinesis":        {protocol: jsonProtocol, target: "Kinesis_20131202", jsonVersion: "1.1"},
	"firehose":       {protocol: jsonProtocol, target: "Firehose_20150804", jsonVersion: "1.1"},
	"states":         {protocol: jsonProtocol, target: "AWSStepFunctions", jsonVersion: "1.0"},
	"events":         {protocol: jsonProtocol, target: "AWSEvents", jsonVersion: "1.1"},
	"logs":           {protocol: jsonProtocol, target: "Logs_20140328", jsonVersion: "1.1"},
	"ssm":            {protocol: jsonProtocol, target: "AmazonSSM", jsonVersion: "1.1"},
	"secretsmanager": {protocol: jsonProtocol, target: "secretsmanager", jsonVersion: "1.1"},
	"s3":             {protocol: restProtocol},
	"lambda":         {protocol: restProtocol},
}
