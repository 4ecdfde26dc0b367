package bottest

import (
	"bytes"
	"encoding/json"
	"errors"
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
	files  map[string]upload // the file parts of a multipart body, by name
}

// upload is a file sent as a part of a multipart body.
type upload struct {
	name  string // the part's file name
	ctype string // the part's Content-Type
	data  []byte
}

// maxUpload is the largest file a bot may send: 50 MB. Beyond it, nginx
// in front of the Bot API refuses the request (errEntityTooLarge).
const maxUpload = 50 << 20

// errEntityTooLarge is a request body that nginx refuses with 413.
var errEntityTooLarge = errors.New("request entity too large")

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
// The files of a multipart body come apart, and their parameters read
// "attach://name".
func readParams(r *http.Request) (map[string]string, map[string]upload, error) {
	params := make(map[string]string)
	for k, vs := range r.URL.Query() {
		params[k] = vs[0]
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype == "multipart/form-data" {
		files, err := readMultipart(r, params)
		return params, files, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return params, nil, fmt.Errorf("can't read the request body: %v", err)
	}
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return params, nil, nil
	case ctype == "application/json":
		return params, nil, readJSON(body, params)
	}
	return params, nil, readForm(body, params)
}

// readMultipart reads a multipart/form-data body part by part: its
// fields, and its files, which may be no larger than maxUpload. The first
// of parts of the same name counts.
func readMultipart(r *http.Request, params map[string]string) (map[string]upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("can't parse multipart body: %v", err)
	}
	files := make(map[string]upload)
	seen := make(map[string]bool)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("can't parse multipart body: %v", err)
		}
		name := part.FormName()
		data, err := io.ReadAll(io.LimitReader(part, maxUpload+1))
		if err != nil {
			return nil, fmt.Errorf("can't parse multipart body: %v", err)
		}
		if len(data) > maxUpload {
			io.Copy(io.Discard, r.Body) // as nginx, answer once the body is in
			return nil, errEntityTooLarge
		}
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		if part.FileName() == "" {
			params[name] = string(data)
			continue
		}
		params[name] = "attach://" + name
		files[name] = upload{name: part.FileName(), ctype: part.Header.Get("Content-Type"), data: data}
	}
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
