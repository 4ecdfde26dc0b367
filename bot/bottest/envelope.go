package bottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is an error answer.
type apiError struct {
	code   int
	desc   string
	params object
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) *apiError {
	return &apiError{code: http.StatusForbidden, desc: "Forbidden: " + fmt.Sprintf(format, args...)}
}

// described is a successful result that comes with a description, as
// deleteWebhook's "Webhook is already deleted".
type described struct {
	result any
	desc   string
}

// resultBody is the envelope of a successful answer.
func resultBody(res any) []byte {
	var b bytes.Buffer
	b.WriteString(`{"ok":true,"result":`)
	if d, ok := res.(described); ok {
		b.Write(mustEncode(d.result))
		b.WriteString(`,"description":`)
		b.Write(mustEncode(d.desc))
	} else {
		b.Write(mustEncode(res))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// errorBody is the status and envelope of an error answer.
func errorBody(e *apiError) (int, []byte) {
	o := object{{"ok", false}, {"error_code", e.code}, {"description", e.desc}}
	if e.params != nil {
		o.add("parameters", e.params)
	}
	return e.code, mustEncode(o)
}

func writeError(w http.ResponseWriter, e *apiError) int {
	status, body := errorBody(e)
	return writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) int {
	ctype := "application/json"
	if !json.Valid(body) {
		ctype = "text/html"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
	return status
}

// tooLargePage is what nginx in front of the Bot API answers to a body
// over its limit, a file over 50 MB.
const tooLargePage = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
