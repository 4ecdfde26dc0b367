package bottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// request is one call being handled.
type request struct {
	method string
	params map[string]string
}

func (q *request) has(name string) bool   { _, ok := q.params[name]; return ok }
func (q *request) str(name string) string { return q.params[name] }

// int64 returns an Integer parameter (already checked against the spec).
func (q *request) int64(name string) int64 {
	n, _ := strconv.ParseInt(q.params[name], 10, 64)
	return n
}

func (q *request) bool(name string) bool { return q.params[name] == "true" }

// splitPath splits "/bot<token>/<method>".
func splitPath(path string) (token, method string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		return "", "", false
	}
	token, method, ok = strings.Cut(rest, "/")
	if !ok || method == "" || strings.Contains(method, "/") {
		return "", "", false
	}
	return token, method, true
}

// readParams collects the request's parameters from the query string and
// from a form, multipart or JSON body, as the real server does. Objects and
// arrays in a JSON body become their JSON text; JSON nulls are left out.
func readParams(r *http.Request) (map[string]string, error) {
	params := make(map[string]string)
	for k, vs := range r.URL.Query() {
		params[k] = vs[0]
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype == "multipart/form-data" {
		return params, readMultipart(r, params)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return params, fmt.Errorf("can't read the request body: %v", err)
	}
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return params, nil
	case ctype == "application/json":
		return params, readJSON(body, params)
	}
	return params, readForm(body, params)
}

// readMultipart reads a multipart/form-data body: its fields, and its
// files as "attach://name".
func readMultipart(r *http.Request, params map[string]string) error {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return fmt.Errorf("can't parse multipart body: %v", err)
	}
	for k, vs := range r.MultipartForm.Value {
		params[k] = vs[0]
	}
	for k := range r.MultipartForm.File {
		params[k] = "attach://" + k
	}
	return nil
}

// readJSON reads a JSON object body: strings as they are, other values
// as their compact JSON text, nulls left out.
func readJSON(body []byte, params map[string]string) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return fmt.Errorf("can't parse JSON request body: %v", err)
	}
	for k, raw := range fields {
		switch {
		case string(raw) == "null":
		case raw[0] == '"':
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("can't parse JSON request body: %v", err)
			}
			params[k] = v
		default:
			var b bytes.Buffer
			if err := json.Compact(&b, raw); err != nil {
				return fmt.Errorf("can't parse JSON request body: %v", err)
			}
			params[k] = b.String()
		}
	}
	return nil
}

// readForm reads an application/x-www-form-urlencoded body.
func readForm(body []byte, params map[string]string) error {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return fmt.Errorf("can't parse the request body: %v", err)
	}
	for k, vs := range form {
		params[k] = vs[0]
	}
	return nil
}
