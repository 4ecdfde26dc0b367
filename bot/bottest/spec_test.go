package bottest

import (
	"testing"

	"github.com/invitebot/invitebot/bot/bottest/internal/spec"
)

func TestImplementedMethodsAreInTheSpec(t *testing.T) {
	sp, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for name := range handlers {
		if sp.Method(name) == nil {
			t.Errorf("handler %q is not a method of %s", name, sp.Version)
		}
	}
}

func TestCallsAreCopies(t *testing.T) {
	srv := NewServer(t)
	mustPost(t, srv, "getMe", map[string]string{})
	mustPost(t, srv, "getUpdates", map[string]string{"timeout": "0"})
	srv.Calls()[1].Params["timeout"] = "changed"
	if got := srv.CallsTo("GETUPDATES"); len(got) != 1 || got[0].Params["timeout"] != "0" || got[0].At.IsZero() {
		t.Errorf("calls = %+v", got)
	}
}
