package spec

import (
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	sp, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if sp.Version != "Bot API 10.1" {
		t.Errorf("spec version %q", sp.Version)
	}
	if sp.Method("GETUPDATES") == nil || sp.Method("getupdates").Name != "getUpdates" || sp.Method("sendTelepathy") != nil {
		t.Errorf("Method does not find methods by their case-insensitive name")
	}
}

func TestSpecChecker(t *testing.T) {
	sp, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	check := func(typ, raw string) string {
		v, err := DecodeJSON([]byte(raw))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		return strings.Join(sp.CheckValue("", v, []string{typ}), "; ")
	}
	for _, tc := range []struct {
		typ, json, want string // want "" means valid
	}{
		{"BotCommandScope", `{"type":"chat","chat_id":"@group"}`, ""},
		{"BotCommandScope", `{"type":"chat_member","chat_id":-100,"user_id":5}`, ""},
		{"BotCommandScope", `{"type":"chat","chat_id":true}`, "chat_id: expected Integer or String, got boolean true"},
		{"BotCommandScope", `{"chat_id":1}`, `missing required field "type" of BotCommandScope`},
		{"BotCommandScopeChat", `{"type":"default","chat_id":1}`, `type: must be "chat" in BotCommandScopeChat`},
		{"InlineKeyboardMarkup", `{"inline_keyboard":[[{"text":"a","url":"https://x"}]]}`, ""},
		{"InlineKeyboardMarkup", `{"inline_keyboard":[{"text":"a"}]}`, "inline_keyboard[0]: expected Array of InlineKeyboardButton, got object"},
		{"InlineKeyboardButton", `{"text":"a","callback_data":null}`, ""},
		{"InlineKeyboardButton", `{"text":null}`, `text: expected String, got null`},
		{"ReplyParameters", `{"message_id":1.5}`, "message_id: expected Integer, got number 1.5"},
		{"ReplyParameters", `{"message_id":"1"}`, `message_id: expected Integer, got string "1"`},
		{"LinkPreviewOptions", `{}`, ""},
		{"ChatAdministratorRights", `[]`, "expected ChatAdministratorRights object, got array"},
		{"MaybeInaccessibleMessage", `{"chat":{"id":1,"type":"private"},"message_id":1,"date":0}`, ""},
		{"MaybeInaccessibleMessage", `{"chat":{"id":1,"type":"private"}}`, "not a valid"},
		{"Array of String", `["message", 1]`, "[1]: expected String, got number 1"},
		{"BotCommand", `{"command":"a","description":"b","hidden":true}`, `hidden: unknown field "hidden" in BotCommand`},
		{"Location", `{"latitude":1.5,"longitude":-2}`, ""},
		{"Location", `{"latitude":"1.5","longitude":-2}`, `latitude: expected Float, got string "1.5"`},
	} {
		got := check(tc.typ, tc.json)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: %q, want %q", tc.typ, tc.json, got, tc.want)
		}
	}

	m := sp.Method("SENDMESSAGE")
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"chat_id": "@channel", "text": "x", "entities": "null"}, ""},
		{map[string]string{"chat_id": "1", "text": "x", "message_thread_id": "1e3"}, `parameter "message_thread_id": expected Integer, got "1e3"`},
		{map[string]string{"chat_id": "1", "text": "\xff"}, `parameter "text": strings must be encoded in UTF-8`},
		{map[string]string{"chat_id": "1", "text": "x", "reply_markup": `{"remove_keyboard":true}`}, ""},
		{map[string]string{"chat_id": "1", "text": "x", "reply_markup": `{}`}, `parameter "reply_markup": not a valid`},
		{map[string]string{"chat_id": "1", "text": "x", "reply_markup": `{"inline_keyboard":[]} x`}, "unexpected data after the JSON value"},
		{map[string]string{"chat_id": "1", "text": "x", "link_preview_options": "null"}, ""},
		{map[string]string{"chat_id": "1", "texts": "x"}, `unknown parameter "texts"`},
	} {
		got := strings.Join(sp.CheckParams(m, tc.params), "; ")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("sendMessage %v: %q, want %q", tc.params, got, tc.want)
		}
	}
	// null stands for "not given" only where a parameter may be left out
	if got := strings.Join(sp.CheckParams(sp.Method("setMyCommands"), map[string]string{"commands": "null"}), "; "); !strings.Contains(got, `parameter "commands"`) {
		t.Errorf("setMyCommands with commands null: %q, want it refused", got)
	}
}
