// Package deploy holds what an operator runs; its test checks that the
// Kubernetes manifests and the compose file are well formed and say what
// the README promises.
package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// doc is a YAML document as nested maps.
type doc = map[string]any

// get walks a path of map keys and list indexes.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(doc)
			if !ok {
				t.Fatalf("at %q: not a map", k)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at [%d]: not a list that long", k)
			}
			v = l[k]
		}
	}
	return v
}

// readDocs parses every YAML document of a file.
func readDocs(t *testing.T, name string) []doc {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []doc
	for {
		var d doc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs = append(docs, d)
	}
}

func TestKubernetesManifests(t *testing.T) {
	kust := readDocs(t, "kubernetes/kustomization.yaml")[0]
	byKind := map[string]doc{}
	var files []string
	for _, r := range get(t, kust, "resources").([]any) {
		files = append(files, r.(string))
		for _, d := range readDocs(t, filepath.Join("kubernetes", r.(string))) {
			if d["apiVersion"] == nil || get(t, d, "metadata", "name") == nil {
				t.Errorf("%s: a document without apiVersion or metadata.name", r)
			}
			byKind[d["kind"].(string)] = d
		}
	}
	// Every manifest in the folder is applied.
	all, _ := filepath.Glob("kubernetes/*.yaml")
	for _, f := range all {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(files, base) {
			t.Errorf("%s is not in kustomization.yaml", base)
		}
	}
	for _, kind := range []string{"Deployment", "PersistentVolumeClaim", "ConfigMap", "Service"} {
		if byKind[kind] == nil {
			t.Fatalf("no %s", kind)
		}
	}

	dep := byKind["Deployment"]
	if get(t, dep, "apiVersion") != "apps/v1" {
		t.Errorf("Deployment apiVersion %v", dep["apiVersion"])
	}
	if r := get(t, dep, "spec", "replicas"); r != 1 {
		t.Errorf("replicas = %v, want 1: two pollers conflict", r)
	}
	if s := get(t, dep, "spec", "strategy", "type"); s != "Recreate" {
		t.Errorf("strategy = %v, want Recreate", s)
	}
	labels := get(t, dep, "spec", "template", "metadata", "labels").(doc)
	for k, v := range get(t, dep, "spec", "selector", "matchLabels").(doc) {
		if labels[k] != v {
			t.Errorf("selector %s=%v does not match the pod's labels", k, v)
		}
	}
	pod := get(t, dep, "spec", "template", "spec")
	if g := get(t, pod, "terminationGracePeriodSeconds").(int); g < 15 {
		t.Errorf("terminationGracePeriodSeconds = %d: the bot needs up to 10 s to finish", g)
	}
	if get(t, pod, "securityContext", "runAsNonRoot") != true {
		t.Error("the pod may run as root")
	}
	c := get(t, pod, "containers", 0)
	if get(t, c, "securityContext", "readOnlyRootFilesystem") != true || get(t, c, "securityContext", "allowPrivilegeEscalation") != false {
		t.Error("the container's root file system is writable or it may escalate")
	}
	env := map[string]any{}
	for _, e := range get(t, c, "env").([]any) {
		env[get(t, e, "name").(string)] = e
	}
	tok, ok := env["TELEGRAM_BOT_TOKEN"]
	if !ok || get(t, tok, "valueFrom", "secretKeyRef", "key") != "TELEGRAM_BOT_TOKEN" || get(t, tok, "valueFrom", "secretKeyRef", "name") == nil {
		t.Errorf("TELEGRAM_BOT_TOKEN does not come from a Secret: %v", tok)
	}
	httpAddr := get(t, env["INVITEBOT_HTTP_ADDR"], "value").(string)
	port := get(t, c, "ports", 0, "containerPort").(int)
	if !strings.HasSuffix(httpAddr, ":"+strconv.Itoa(port)) {
		t.Errorf("INVITEBOT_HTTP_ADDR %q but containerPort %d", httpAddr, port)
	}
	portName := get(t, c, "ports", 0, "name")
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		if get(t, c, probe, "httpGet", "path") != path || get(t, c, probe, "httpGet", "port") != portName {
			t.Errorf("%s: %v", probe, get(t, c, probe))
		}
	}
	// The database is on the volume of the claim.
	dbPath := get(t, env["INVITEBOT_DB"], "value").(string)
	mounts := map[string]string{}
	for _, m := range get(t, c, "volumeMounts").([]any) {
		mounts[get(t, m, "name").(string)] = get(t, m, "mountPath").(string)
	}
	claims := map[string]string{}
	for _, v := range get(t, pod, "volumes").([]any) {
		if pvc, ok := v.(doc)["persistentVolumeClaim"]; ok {
			claims[get(t, v, "name").(string)] = get(t, pvc, "claimName").(string)
		}
	}
	onClaim := false
	for vol, claim := range claims {
		onClaim = onClaim || (claim == get(t, byKind["PersistentVolumeClaim"], "metadata", "name") && strings.HasPrefix(dbPath, mounts[vol]+"/"))
	}
	if !onClaim {
		t.Errorf("INVITEBOT_DB %s is not on the PersistentVolumeClaim (mounts %v, claims %v)", dbPath, mounts, claims)
	}
	if get(t, c, "envFrom", 0, "configMapRef", "name") != get(t, byKind["ConfigMap"], "metadata", "name") {
		t.Error("the container does not read the ConfigMap")
	}
	if secrets := get(t, byKind["ConfigMap"], "data").(doc); secrets["TELEGRAM_BOT_TOKEN"] != nil {
		t.Error("the token is in the ConfigMap")
	}
	svc := byKind["Service"]
	for k, v := range get(t, svc, "spec", "selector").(doc) {
		if labels[k] != v {
			t.Errorf("the Service selects %s=%v, which the pod does not have", k, v)
		}
	}
}

func TestComposeFile(t *testing.T) {
	c := readDocs(t, "compose.yaml")[0]
	svc := get(t, c, "services", "invitebot")
	if r := get(t, svc, "restart"); r != "unless-stopped" && r != "always" && r != "on-failure" {
		t.Errorf("restart = %v", r)
	}
	if get(t, svc, "env_file") != "invitebot.env" {
		t.Errorf("env_file = %v", get(t, svc, "env_file"))
	}
	grace, err := time.ParseDuration(get(t, svc, "stop_grace_period").(string))
	if err != nil || grace < 15*time.Second {
		t.Errorf("stop_grace_period = %v: the bot needs up to 10 s to finish", get(t, svc, "stop_grace_period"))
	}
	vol := get(t, svc, "volumes", 0).(string)
	name, mount, _ := strings.Cut(vol, ":")
	if _, ok := get(t, c, "volumes").(doc)[name]; !ok {
		t.Errorf("volume %q is not declared", name)
	}
	if db := get(t, svc, "environment", "INVITEBOT_DB").(string); !strings.HasPrefix(db, mount+"/") {
		t.Errorf("INVITEBOT_DB %s is not on the volume at %s", db, mount)
	}
	dockerfile := filepath.Join(get(t, svc, "build", "context").(string), get(t, svc, "build", "dockerfile").(string))
	if _, err := os.Stat(dockerfile); err != nil {
		t.Errorf("build: %v", err)
	}
}
