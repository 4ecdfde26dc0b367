package bottest

import (
	"strings"
	"testing"
)

const cantInitiate = "Forbidden: bot can't initiate conversation with a user"

// TestBotCantWriteFirst: a private chat exists for the bot once the user
// wrote to it there; writing in a group does not count.
func TestBotCantWriteFirst(t *testing.T) {
	srv := newWorld(t)
	hi := map[string]string{"chat_id": id(alice), "text": "hi"}
	_, _, body := post(t, srv, "sendMessage", hi)
	if want := `{"ok":false,"error_code":403,"description":"` + cantInitiate + `"}`; string(body) != want {
		t.Errorf("sendMessage to a user who never started the bot = %s\nwant %s", body, want)
	}
	srv.PushMessage(group, alice, "/invite") // in the group: no private chat yet
	wantError(t, srv, "sendMessage", hi, 403, cantInitiate)
	if len(srv.Messages(alice)) != 0 {
		t.Errorf("a refused message was recorded")
	}

	srv.PushMessage(alice, alice, "hello bot")
	mustPost(t, srv, "sendMessage", hi)
	mustPost(t, srv, "sendChatAction", map[string]string{"chat_id": id(alice), "action": "typing"})
	if msgs := srv.Messages(alice); len(msgs) != 1 || msgs[0].Text != "hi" {
		t.Errorf("messages = %+v", msgs)
	}
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(bob), "text": "hi"}, 403, cantInitiate)
}

// TestStartPrivateChat: a user who started the bot before the test can
// be written to, and nothing is pushed for it.
func TestStartPrivateChat(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(bob)
	if n := srv.Pending(); n != 0 {
		t.Errorf("%d updates pushed", n)
	}
	mustPost(t, srv, "sendMessage", map[string]string{"chat_id": id(bob), "text": "welcome back"})
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(carol), "text": "hi"}, 403, cantInitiate)

	rec := newRecorder(t)
	other := newWorld(rec)
	other.StartPrivateChat(42)
	other.StartPrivateChat(group)
	if f := rec.Fatals(); len(f) != 2 || !strings.Contains(f[0], "StartPrivateChat: unknown user 42") {
		t.Errorf("reported %q", f)
	}
}
