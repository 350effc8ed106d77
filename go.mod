module github.com/apigw/apigw

go 1.26.8
