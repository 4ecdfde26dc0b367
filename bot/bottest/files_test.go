package bottest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// part is a file part of a multipart body.
type part struct {
	field, name string
	data        []byte
}

// postMultipart calls a method with a multipart/form-data body of fields
// and files, and returns the HTTP status and the raw answer.
func postMultipart(t *testing.T, srv *Server, method string, fields map[string]string, files ...part) (int, []byte) {
	t.Helper()
	pr, pw := io.Pipe() // streamed: some files are 50 MB
	w := multipart.NewWriter(pw)
	go func() {
		for k, v := range fields {
			w.WriteField(k, v)
		}
		for _, f := range files {
			fw, err := w.CreateFormFile(f.field, f.name)
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			fw.Write(f.data)
		}
		pw.CloseWithError(w.Close())
	}()
	resp, err := http.Post(srv.URL()+"/bot"+srv.Token()+"/"+method, w.FormDataContentType(), pr)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	if resp.StatusCode == http.StatusOK {
		checkResult(t, srv, method, out.Bytes())
	}
	return resp.StatusCode, out.Bytes()
}

// pngHeader is the start of a PNG file of w×h pixels: enough for
// image.DecodeConfig, which is all the fake reads.
func pngHeader(w, h int) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr[:]...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// TestSendDocument: a document sent with tgbotapi as a multipart body is
// kept whole, with its name, type and caption, and can be sent again by
// file_id.
func TestSendDocument(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	data := []byte("#,url\n1,https://t.me/+AbCdEfGhIjKlMnOp\n")
	doc := tgbotapi.NewDocument(group, tgbotapi.FileBytes{Name: "links.csv", Bytes: data})
	doc.Caption = "<b>Links</b> of the group "
	doc.ParseMode = tgbotapi.ModeHTML
	sent, err := bot.Send(doc)
	if err != nil {
		t.Fatal(err)
	}
	if d := sent.Document; d == nil || d.FileName != "links.csv" || d.MimeType != "text/csv" || d.FileSize != len(data) || d.FileID == "" ||
		sent.Caption != "Links of the group" || len(sent.CaptionEntities) != 1 || sent.CaptionEntities[0].Type != "bold" || sent.Text != "" {
		t.Errorf("sent = %+v, document %+v", sent, sent.Document)
	}
	again, err := bot.Send(tgbotapi.NewDocument(group, tgbotapi.FileID(sent.Document.FileID)))
	if err != nil || again.Document == nil || again.Document.FileID != sent.Document.FileID {
		t.Fatalf("sent again by file_id: %+v, %v", again, err)
	}
	msgs := srv.Messages(group)
	if len(msgs) != 2 || msgs[0].Document == nil || !bytes.Equal(msgs[0].Document.Data, data) || msgs[0].Document.Name != "links.csv" ||
		msgs[0].Text != doc.Caption || msgs[0].PlainText != "Links of the group" || msgs[0].Photo != nil ||
		msgs[1].Document == nil || !bytes.Equal(msgs[1].Document.Data, data) || msgs[1].PlainText != "" {
		t.Errorf("messages = %+v", msgs)
	}

	wantError(t, srv, "editMessageText", map[string]string{"chat_id": id(group), "message_id": id(int64(sent.MessageID)), "text": "x"},
		400, "Bad Request: there is no text in the message to edit")
	wantError(t, srv, "sendDocument", map[string]string{"chat_id": id(group), "document": "BQACAgIAAxkBAAIunknown"}, 400, "Bad Request: wrong file identifier/HTTP URL specified")
	if status, body := postMultipart(t, srv, "sendDocument", map[string]string{"chat_id": id(group), "caption": strings.Repeat("x", 1025)},
		part{"document", "a.txt", []byte("a")}); status != 400 || !strings.Contains(string(body), "Bad Request: message caption is too long") {
		t.Errorf("a caption of 1025 characters: %d %s", status, body)
	}
	// The rules of private chats hold for files too.
	if status, body := postMultipart(t, srv, "sendDocument", map[string]string{"chat_id": id(bob)}, part{"document", "a.txt", []byte("a")}); status != 403 ||
		!strings.Contains(string(body), cantInitiate) {
		t.Errorf("a document to a user who never started the bot: %d %s", status, body)
	}
}

// TestSendPhoto: a photo is decoded for its size, kept in the sizes
// Telegram makes, and held to Telegram's limits.
func TestSendPhoto(t *testing.T) {
	srv := newWorld(t)
	var img bytes.Buffer
	png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 1000, 500)))
	bot := newBot(t, srv)
	sent, err := bot.Send(tgbotapi.NewPhoto(group, tgbotapi.FileBytes{Name: "qr.png", Bytes: img.Bytes()}))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []string
	for _, p := range sent.Photo {
		sizes = append(sizes, id(int64(p.Width))+"x"+id(int64(p.Height)))
	}
	if strings.Join(sizes, " ") != "90x45 320x160 800x400 1000x500" {
		t.Errorf("photo sizes %v", sizes)
	}
	m := srv.Messages(group)[0]
	if m.Photo == nil || !bytes.Equal(m.Photo.Data, img.Bytes()) || m.Photo.Width != 1000 || m.Photo.Height != 500 ||
		m.Photo.ID != sent.Photo[3].FileID || m.Document != nil {
		t.Errorf("message = %+v", m)
	}
	if _, err := bot.Send(tgbotapi.NewPhoto(group, tgbotapi.FileID(sent.Photo[0].FileID))); err != nil {
		t.Errorf("sent again by file_id: %v", err)
	}
	if got := photoSizes(800, 400); len(got) != 3 || got[2] != [2]int{800, 400} {
		t.Errorf("sizes of a photo as large as a step: %v", got)
	}
	if got := photoSizes(3000, 6000); len(got) != 5 || got[4] != [2]int{1280, 2560} || got[0] != [2]int{45, 90} {
		t.Errorf("sizes of a photo larger than every step: %v", got)
	}

	photo := func(data []byte) (int, string) {
		status, body := postMultipart(t, srv, "sendPhoto", map[string]string{"chat_id": id(group)}, part{"photo", "p.png", data})
		var env envelope
		json.Unmarshal(body, &env)
		return status, env.Description
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string // "" for sent
	}{
		{"5000+5000", pngHeader(5000, 5000), ""},
		{"5001+5000", pngHeader(5001, 5000), "Bad Request: PHOTO_INVALID_DIMENSIONS"},
		{"ratio 20", pngHeader(2000, 100), ""},
		{"ratio 21", pngHeader(100, 2100), "Bad Request: PHOTO_INVALID_DIMENSIONS"},
		{"not an image", []byte("GIF87a?"), "Bad Request: IMAGE_PROCESS_FAILED"},
		{"10 MB", append(pngHeader(10, 10), make([]byte, 10<<20-len(pngHeader(10, 10)))...), ""},
		{"10 MB and a byte", append(pngHeader(10, 10), make([]byte, 10<<20+1-len(pngHeader(10, 10)))...), "Bad Request: PHOTO_SAVE_FILE_INVALID"},
	} {
		status, desc := photo(tc.data)
		if (tc.want == "") != (status == 200) || desc != tc.want {
			t.Errorf("%s: %d %q, want %q", tc.name, status, desc, tc.want)
		}
	}
	if n := len(srv.Messages(group)); n != 5 {
		t.Errorf("%d photos sent, want 5", n)
	}
}

// TestUploadLimit: a file over 50 MB is refused by nginx, in HTML, before
// the Bot API sees it.
func TestUploadLimit(t *testing.T) {
	srv := newWorld(t)
	fields := map[string]string{"chat_id": id(group)}
	if status, body := postMultipart(t, srv, "sendDocument", fields, part{"document", "big.bin", make([]byte, 50<<20)}); status != 200 {
		t.Errorf("50 MB: %d %s", status, body)
	}
	status, body := postMultipart(t, srv, "sendDocument", fields, part{"document", "big.bin", make([]byte, 50<<20+1)})
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "<title>413 Request Entity Too Large</title>") {
		t.Errorf("50 MB and a byte: %d %.100s", status, body)
	}
	if c := srv.CallsTo("sendDocument"); len(c) != 2 || c[1].Performed || c[1].Status != 413 {
		t.Errorf("calls = %+v", c)
	}
	if n := len(srv.Messages(group)); n != 1 {
		t.Errorf("%d documents sent, want 1", n)
	}
}

// TestFilePartsAreChecked: a file goes where the specification takes an
// InputFile; files by URL are not implemented. Each mistake is reported.
func TestFilePartsAreChecked(t *testing.T) {
	rec := newRecorder(t)
	srv := newWorld(rec)
	chat := map[string]string{"chat_id": id(group)}
	for _, tc := range []struct {
		fields map[string]string
		files  []part
		want   string
	}{
		{chat, []part{{"file", "a.txt", []byte("a")}}, `unknown parameter "file"`},
		{chat, []part{{"document", "a.txt", []byte("a")}, {"caption", "c.txt", []byte("c")}}, `parameter "caption": a file was sent, but sendDocument takes String`},
		{map[string]string{"chat_id": id(group), "document": "https://example.com/a.pdf"}, nil, "sending a file by URL is not implemented"},
	} {
		before := len(rec.Errors())
		status, _ := postMultipart(t, srv, "sendDocument", tc.fields, tc.files...)
		errs := rec.Errors()[before:]
		if status != 400 || len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), tc.want) {
			t.Errorf("%v %v: %d, reported %q, want %q", tc.fields, tc.files, status, errs, tc.want)
		}
	}
	if n := len(srv.Messages(group)); n != 0 {
		t.Errorf("%d documents sent", n)
	}
}

// TestMultipartFirstValueCounts: of two parts of one name, the first
// counts, as of two values of a form field.
func TestMultipartFirstValueCounts(t *testing.T) {
	srv := newWorld(t)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("chat_id", id(group))
	w.WriteField("caption", "first")
	w.WriteField("caption", "second")
	for _, content := range []string{"one", "two"} {
		fw, _ := w.CreateFormFile("document", content+".txt")
		fw.Write([]byte(content))
	}
	w.Close()
	resp, err := http.Post(srv.URL()+"/bot"+srv.Token()+"/sendDocument", w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if m := srv.Messages(group); len(m) != 1 || m[0].Text != "first" || string(m[0].Document.Data) != "one" || m[0].Document.Name != "one.txt" {
		t.Errorf("messages = %+v", m)
	}
}
