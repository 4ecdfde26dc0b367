package handlers

import (
	"strings"
	"testing"

	"github.com/invitebot/invitebot/store"
)

// TestDescribeCheckEnds: /log names the requester of a check that ended,
// as the join mode's doing; an entry recorded before the store named
// requesters shows their ID; a name is escaped; in Arabic it is isolated.
func TestDescribeCheckEnds(t *testing.T) {
	at := tNow
	for _, tc := range []struct {
		name string
		a    store.Action
		lang string
		want string
	}{
		{"passed", store.Action{At: at, By: 201, ByName: "@hank_h", Via: "verify", Kind: store.ActionVerifyPassed, Subject: 201, Details: "@hank_h"}, "en",
			"2026-11-22 12:00 UTC · join mode verify · @hank_h passed the check"},
		{"failed", store.Action{At: at, By: 202, ByName: "Ivan <b>P</b>", Via: "verify", Kind: store.ActionVerifyFailed, Subject: 202, Details: "Ivan <b>P</b>"}, "en",
			"2026-11-22 12:00 UTC · join mode verify · Ivan &lt;b&gt;P&lt;/b&gt; failed the check"},
		{"timed out", store.Action{At: at, Via: "verify", Kind: store.ActionVerifyTimedOut, Subject: 203, Details: "Judy"}, "en",
			"2026-11-22 12:00 UTC · join mode verify · Judy did not answer the check in time"},
		{"recorded without a name", store.Action{At: at, By: 204, Via: "verify", Kind: store.ActionVerifyPassed, Subject: 204}, "en",
			"2026-11-22 12:00 UTC · join mode verify · user <code>204</code> passed the check"},
		{"timed out, without a name", store.Action{At: at, Via: "verify", Kind: store.ActionVerifyTimedOut, Subject: 205}, "en",
			"2026-11-22 12:00 UTC · join mode verify · user <code>205</code> did not answer the check in time"},
		{"in Arabic", store.Action{At: at, By: 201, ByName: "@hank_h", Via: "verify", Kind: store.ActionVerifyPassed, Subject: 201, Details: "@hank_h"}, "ar",
			"\u2068@hank_h\u2069"},
		// Other kinds keep their actor.
		{"an admin's approval", store.Action{At: at, By: 7, ByName: "@alice_admin", Kind: store.ActionRequestApproved, Subject: 201, Details: "@hank_h"}, "en",
			"2026-11-22 12:00 UTC · @alice_admin · approved the join request of @hank_h"},
		{"the mode's approval", store.Action{At: at, Via: "verify", Kind: store.ActionRequestApproved, Subject: 201, Details: "@hank_h"}, "en",
			"2026-11-22 12:00 UTC · join mode verify · approved the join request of @hank_h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := describeAction(tCatalog.For(tc.lang), tc.a)
			if tc.lang == "en" && got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if tc.lang != "en" && !strings.Contains(got, tc.want) {
				t.Errorf("%q lacks %q", got, tc.want)
			}
		})
	}
}
