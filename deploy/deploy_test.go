// Package deploy holds what an operator runs; its test checks that the
// Kubernetes manifests and the compose file are well formed and say what
// the README promises.
package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
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

// kustomized reads the documents of a kustomization folder by kind, and
// checks that every manifest there is applied but the examples.
func kustomized(t *testing.T, dir string) map[string]doc {
	t.Helper()
	kust := readDocs(t, filepath.Join(dir, "kustomization.yaml"))[0]
	byKind := map[string]doc{}
	var files []string
	for _, r := range get(t, kust, "resources").([]any) {
		files = append(files, r.(string))
		for _, d := range readDocs(t, filepath.Join(dir, r.(string))) {
			if d["apiVersion"] == nil || get(t, d, "metadata", "name") == nil {
				t.Errorf("%s: a document without apiVersion or metadata.name", r)
			}
			byKind[d["kind"].(string)] = d
		}
	}
	all, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range all {
		base := filepath.Base(f)
		if base != "kustomization.yaml" && !strings.HasSuffix(base, ".example.yaml") && !slices.Contains(files, base) {
			t.Errorf("%s/%s is not in kustomization.yaml", dir, base)
		}
	}
	return byKind
}

// TestKubernetesPostgres: the PostgreSQL variant runs two replicas, which
// a rollout can replace (only the poller is Ready), on the URL of a Secret
// (whose example holds a placeholder, and is not applied), with
// /healthz for liveness and /readyz for readiness; no claim, no SQLite.
func TestKubernetesPostgres(t *testing.T) {
	const dir = "kubernetes/postgres"
	byKind := kustomized(t, dir)
	for _, kind := range []string{"Deployment", "ConfigMap", "Service"} {
		if byKind[kind] == nil {
			t.Fatalf("no %s", kind)
		}
	}
	if byKind["Secret"] != nil || byKind["PersistentVolumeClaim"] != nil {
		t.Error("the kustomization applies a Secret (it would put the placeholder over the real one) or a volume claim")
	}
	dep := byKind["Deployment"]
	if r := get(t, dep, "spec", "replicas"); r != 2 {
		t.Errorf("replicas = %v, want 2", r)
	}
	// A rollout that waits for new pods to be Ready never ends: a new pod
	// waits its turn, not Ready, while an old one polls.
	if s := get(t, dep, "spec", "strategy", "type"); s != "RollingUpdate" || get(t, dep, "spec", "strategy", "rollingUpdate", "maxUnavailable") != "100%" {
		t.Errorf("strategy %v: a rollout must not wait for the new pods to be Ready", get(t, dep, "spec", "strategy"))
	}
	pod := get(t, dep, "spec", "template", "spec")
	if g := get(t, pod, "terminationGracePeriodSeconds").(int); g < 15 {
		t.Errorf("terminationGracePeriodSeconds = %d: the bot needs up to 10 s to finish", g)
	}
	if get(t, pod, "securityContext", "runAsNonRoot") != true {
		t.Error("the pod may run as root")
	}
	if get(t, pod, "volumes") != nil {
		for _, v := range get(t, pod, "volumes").([]any) {
			if v.(doc)["persistentVolumeClaim"] != nil {
				t.Errorf("volume %v: the PostgreSQL variant keeps nothing on a claim", v)
			}
		}
	}
	c := get(t, pod, "containers", 0)
	if get(t, c, "securityContext", "readOnlyRootFilesystem") != true || get(t, c, "securityContext", "allowPrivilegeEscalation") != false {
		t.Error("the container's root file system is writable or it may escalate")
	}
	env := map[string]any{}
	for _, e := range get(t, c, "env").([]any) {
		env[get(t, e, "name").(string)] = e
	}
	if tok := env["TELEGRAM_BOT_TOKEN"]; tok == nil || get(t, tok, "valueFrom", "secretKeyRef", "key") != "TELEGRAM_BOT_TOKEN" {
		t.Errorf("TELEGRAM_BOT_TOKEN does not come from a Secret: %v", tok)
	}
	dbEnv := env["INVITEBOT_DB"]
	if dbEnv == nil || dbEnv.(doc)["value"] != nil {
		t.Fatalf("INVITEBOT_DB is not from a Secret: %v", dbEnv)
	}
	ref := get(t, dbEnv, "valueFrom", "secretKeyRef").(doc)
	// The example Secret is the one referenced, with the key, and holds
	// a placeholder URL, not a password.
	secret := readDocs(t, filepath.Join(dir, "secret.example.yaml"))[0]
	if secret["kind"] != "Secret" || get(t, secret, "metadata", "name") != ref["name"] {
		t.Errorf("secret.example.yaml is %v %v; the Deployment refers to Secret %v", secret["kind"], get(t, secret, "metadata", "name"), ref["name"])
	}
	u, ok := get(t, secret, "stringData").(doc)[ref["key"].(string)].(string)
	if !ok {
		t.Fatalf("secret.example.yaml has no %v", ref["key"])
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "postgres" || parsed.Hostname() == "" || parsed.Path == "" {
		t.Errorf("the example URL %q is not a postgres:// URL with a host and a database (%v)", u, err)
	}
	if p, _ := parsed.User.Password(); p != "PASSWORD" {
		t.Errorf("the example URL's password is %q, want the placeholder PASSWORD", p)
	}
	for _, d := range byKind {
		if strings.Contains(fmt.Sprint(d), "postgres://") {
			t.Errorf("%s %v holds a postgres:// URL: it belongs in the Secret", d["kind"], get(t, d, "metadata", "name"))
		}
	}
	httpAddr := get(t, env["INVITEBOT_HTTP_ADDR"], "value").(string)
	port := get(t, c, "ports", 0, "containerPort").(int)
	if !strings.HasSuffix(httpAddr, ":"+strconv.Itoa(port)) {
		t.Errorf("INVITEBOT_HTTP_ADDR %q but containerPort %d", httpAddr, port)
	}
	portName := get(t, c, "ports", 0, "name")
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		if get(t, c, probe, "httpGet", "path") != path || get(t, c, probe, "httpGet", "port") != portName {
			t.Errorf("%s: %v, want %s on the port %v", probe, get(t, c, probe), path, portName)
		}
	}
	if get(t, c, "envFrom", 0, "configMapRef", "name") != get(t, byKind["ConfigMap"], "metadata", "name") {
		t.Error("the container does not read the ConfigMap")
	}
	labels := get(t, dep, "spec", "template", "metadata", "labels").(doc)
	for k, v := range get(t, dep, "spec", "selector", "matchLabels").(doc) {
		if labels[k] != v {
			t.Errorf("selector %s=%v does not match the pod's labels", k, v)
		}
	}
	for k, v := range get(t, byKind["Service"], "spec", "selector").(doc) {
		if labels[k] != v {
			t.Errorf("the Service selects %s=%v, which the pod does not have", k, v)
		}
	}
}

// readEnv reads a KEY=value file, without its comments.
func readEnv(t *testing.T, name string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: %q is not KEY=value", name, line)
		}
		env[k] = v
	}
	return env
}

// TestComposePostgres: compose.postgres.yaml runs the official postgres
// image with a volume and a health check, and two instances of the bot
// that wait for it to be healthy; INVITEBOT_DB comes from the env file,
// whose example's URL names that service, its user and database, and the
// password POSTGRES_PASSWORD sets; nothing in the compose file holds a
// URL or a password.
func TestComposePostgres(t *testing.T) {
	const file = "compose.postgres.yaml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "postgres://") || strings.Contains(string(data), "POSTGRES_PASSWORD:") {
		t.Errorf("%s holds a URL or a password: they belong in the env file", file)
	}
	c := readDocs(t, file)[0]
	services := get(t, c, "services").(doc)
	pg := services["postgres"]
	if img, _ := get(t, pg, "image").(string); !strings.HasPrefix(img, "postgres:") {
		t.Errorf("postgres image = %q, want the official postgres:N", img)
	}
	pgVol := get(t, pg, "volumes", 0).(string)
	volName, mount, _ := strings.Cut(pgVol, ":")
	if _, ok := get(t, c, "volumes").(doc)[volName]; !ok || mount != "/var/lib/postgresql/data" {
		t.Errorf("postgres volume %q: not declared, or not on the image's data directory", pgVol)
	}
	if test := fmt.Sprint(get(t, pg, "healthcheck", "test")); !strings.Contains(test, "pg_isready") {
		t.Errorf("postgres healthcheck %s does not ask pg_isready", test)
	}
	pgEnv := get(t, pg, "environment").(doc)

	var bots []string
	ports := map[string]bool{}
	for name, svc := range services {
		if get(t, svc, "image") != "invitebot:latest" {
			continue
		}
		bots = append(bots, name)
		if r := get(t, svc, "restart"); r != "unless-stopped" && r != "always" && r != "on-failure" {
			t.Errorf("%s: restart = %v", name, r)
		}
		if get(t, svc, "depends_on", "postgres", "condition") != "service_healthy" {
			t.Errorf("%s does not wait for the database to be healthy", name)
		}
		envFiles := get(t, svc, "env_file").([]any)
		if envFiles[len(envFiles)-1] != get(t, pg, "env_file") {
			t.Errorf("%s: env_file %v does not end with the database's %v (the last one wins)", name, envFiles, get(t, pg, "env_file"))
		}
		if env, _ := get(t, svc, "environment").(doc); env["INVITEBOT_DB"] != nil {
			t.Errorf("%s sets INVITEBOT_DB inline", name)
		}
		grace, err := time.ParseDuration(get(t, svc, "stop_grace_period").(string))
		if err != nil || grace < 15*time.Second {
			t.Errorf("%s: stop_grace_period = %v", name, get(t, svc, "stop_grace_period"))
		}
		p := get(t, svc, "ports", 0).(string)
		if ports[p] {
			t.Errorf("%s: port %s taken twice", name, p)
		}
		ports[p] = true
		dockerfile := filepath.Join(get(t, svc, "build", "context").(string), get(t, svc, "build", "dockerfile").(string))
		if _, err := os.Stat(dockerfile); err != nil {
			t.Errorf("%s: build: %v", name, err)
		}
	}
	if len(bots) != 2 {
		t.Errorf("%d instances of the bot (%v), want 2", len(bots), bots)
	}

	env := readEnv(t, strings.TrimSuffix(get(t, pg, "env_file").(string), ".env")+".env.example")
	u, err := url.Parse(env["INVITEBOT_DB"])
	if err != nil || u.Scheme != "postgres" {
		t.Fatalf("INVITEBOT_DB %q in the example is no postgres:// URL (%v)", env["INVITEBOT_DB"], err)
	}
	password, _ := u.User.Password()
	if password == "" || password != env["POSTGRES_PASSWORD"] {
		t.Errorf("the URL's password %q is not POSTGRES_PASSWORD %q", password, env["POSTGRES_PASSWORD"])
	}
	if u.Hostname() != "postgres" || u.User.Username() != pgEnv["POSTGRES_USER"] || strings.TrimPrefix(u.Path, "/") != pgEnv["POSTGRES_DB"] {
		t.Errorf("INVITEBOT_DB names %s@%s/%s; the service is postgres, user %v, database %v",
			u.User.Username(), u.Hostname(), u.Path, pgEnv["POSTGRES_USER"], pgEnv["POSTGRES_DB"])
	}
}
