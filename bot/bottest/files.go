package bottest

import (
	"bytes"
	"image"
	_ "image/gif" // the formats a photo may come in
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"path"
	"strings"

	"github.com/invitebot/invitebot/bot/bottest/internal/tghtml"
)

// Files: sendDocument and sendPhoto, with the file as a part of a
// multipart/form-data body (or the file_id of a file sent before).

// Telegram's limits on what a bot sends.
const (
	maxPhotoBytes   = 10 << 20 // a photo: 10 MB
	maxPhotoSides   = 10000    // width + height
	maxPhotoRatio   = 20       // the longer side over the shorter
	maxCaptionUnits = 1024     // a caption, in UTF-16 code units
)

// File is a file the bot sent: a document or a photo.
type File struct {
	ID       string // its file_id, with which the bot may send it again
	Name     string // the document's file name
	MIMEType string // the document's type, from its name (or its part's Content-Type)
	Data     []byte // as sent; shared, not to be modified
	Width    int    // the photo's size in pixels
	Height   int
}

// media is the file of a message.
type media struct {
	kind  string // "document" or "photo"
	file  File
	uid   string      // a document's file_unique_id
	sizes []photoSize // a photo's sizes, smallest first
}

// photoSize is one of the sizes Telegram keeps of a photo.
type photoSize struct {
	id, uid       string
	width, height int
}

func (md *media) json() any {
	if md.kind == "document" {
		return object{{"file_name", md.file.Name}, {"mime_type", md.file.MIMEType}, {"file_id", md.file.ID},
			{"file_unique_id", md.uid}, {"file_size", len(md.file.Data)}}
	}
	out := make([]object, 0, len(md.sizes))
	for _, ps := range md.sizes {
		out = append(out, object{{"file_id", ps.id}, {"file_unique_id", ps.uid}, {"width", ps.width}, {"height", ps.height}})
	}
	return out
}

func (s *Server) sendDocument(q *request) (any, *apiError) {
	return s.sendMedia(q, "document")
}

func (s *Server) sendPhoto(q *request) (any, *apiError) {
	return s.sendMedia(q, "photo")
}

// sendMedia sends a document or a photo: the file, then what a message
// needs (caption, keyboard, chat, reply), in the order the real server
// checks them.
func (s *Server) sendMedia(q *request, kind string) (any, *apiError) {
	md, err := s.mediaOf(q, kind)
	if err != nil {
		return nil, err
	}
	f, err := s.format(q, q.str("caption"), "caption_entities")
	if err != nil {
		return nil, err
	}
	kb, err := s.parseKeyboard(q)
	if err != nil {
		return nil, err
	}
	cs, err := s.chatFor(q.str("chat_id"), sendAccess)
	if err != nil {
		return nil, err
	}
	if err := s.canSend(cs); err != nil {
		return nil, err
	}
	reply, err := s.replyTarget(cs, q)
	if err != nil {
		return nil, err
	}
	if f = s.tidy(f); tghtml.UTF16Count(f.text) > maxCaptionUnits {
		return nil, badRequest("message caption is too long")
	}
	if err := checkButtons(kb); err != nil {
		return nil, err
	}
	s.keepFileLocked(md)
	return s.messageJSON(s.addSentLocked(cs, f, reply, kb, md), true), nil
}

// mediaOf reads the file of a sendDocument or sendPhoto: a part of the
// body, or the file_id of a file of the same kind sent before. Files by
// URL are not implemented.
func (s *Server) mediaOf(q *request, kind string) (*media, *apiError) {
	if up, ok := q.files[kind]; ok {
		if kind == "photo" {
			return s.newPhotoLocked(up)
		}
		return s.newDocumentLocked(up), nil
	}
	ref := q.str(kind)
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		s.t.Errorf("bottest: %s: sending a file by URL is not implemented by the fake server; send it as a part of a multipart body", q.method)
		return nil, badRequest("failed to get HTTP URL content")
	}
	if md := s.sentFiles[ref]; md != nil && md.kind == kind {
		return md, nil
	}
	return nil, badRequest("wrong file identifier/HTTP URL specified")
}

func (s *Server) newDocumentLocked(up upload) *media {
	name := up.name
	if name == "" {
		name = "document"
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" && up.ctype != "application/octet-stream" {
		ctype = up.ctype
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	ctype, _, _ = strings.Cut(ctype, ";")
	return &media{kind: "document", file: File{ID: s.newFileIDLocked("BQACAgIAAxkBAAI"), Name: name,
		MIMEType: ctype, Data: up.data}, uid: "AgAD" + s.randomLocked(12)}
}

// newPhotoLocked checks a photo against Telegram's limits and makes the
// sizes Telegram would keep of it.
func (s *Server) newPhotoLocked(up upload) (*media, *apiError) {
	if len(up.data) > maxPhotoBytes {
		return nil, badRequest("PHOTO_SAVE_FILE_INVALID")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(up.data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, badRequest("IMAGE_PROCESS_FAILED")
	}
	w, h := cfg.Width, cfg.Height
	if w+h > maxPhotoSides || max(w, h) > maxPhotoRatio*min(w, h) {
		return nil, badRequest("PHOTO_INVALID_DIMENSIONS")
	}
	md := &media{kind: "photo"}
	for _, ps := range photoSizes(w, h) {
		md.sizes = append(md.sizes, photoSize{id: s.newFileIDLocked("AgACAgIAAxkBAAI"), uid: "AQAD" + s.randomLocked(12),
			width: ps[0], height: ps[1]})
	}
	largest := md.sizes[len(md.sizes)-1]
	md.file = File{ID: largest.id, Data: up.data, Width: w, Height: h}
	return md, nil
}

// photoSizes are the sizes Telegram keeps of a w×h photo: scaled to a
// longer side of 90, 320, 800, 1280 and 2560 pixels, as far as the photo
// is larger, then the photo itself if it is smaller than the next step.
func photoSizes(w, h int) [][2]int {
	var out [][2]int
	long := max(w, h)
	for _, step := range []int{90, 320, 800, 1280, 2560} {
		if long <= step {
			return append(out, [2]int{w, h})
		}
		out = append(out, [2]int{max(w*step/long, 1), max(h*step/long, 1)})
	}
	return out
}

// keepFileLocked remembers a sent file's ids, so that the bot may send it
// again by file_id.
func (s *Server) keepFileLocked(md *media) {
	s.sentFiles[md.file.ID] = md
	for _, ps := range md.sizes {
		s.sentFiles[ps.id] = md
	}
}

// newFileIDLocked makes a file_id that looks like Telegram's: a prefix
// that tells the kind, then random characters.
func (s *Server) newFileIDLocked(prefix string) string { return prefix + s.randomLocked(40) }

// randomLocked returns n random characters of the alphabet of Telegram's
// ids and links.
func (s *Server) randomLocked(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = linkAlphabet[s.rng.IntN(len(linkAlphabet))]
	}
	return string(b)
}
