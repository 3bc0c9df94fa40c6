// Package doctor finds the mistakes that make a Lambda Web Adapter function fail after a deploy:
// the adapter missing, not executable, dynamically linked or of the wrong architecture; a zip
// function's start script without its exec bit, with Windows line endings or without the exec
// wrapper; an image index where Lambda needs one platform's image; AWS_LWA_* settings the adapter
// would reject or ignore. Every finding has a stable id (LWA001...) documented in docs/doctor.md.
//
// The checks are small functions over a Target: an io/fs view of /var/task and /opt (a zip, a
// directory, or an image's layers read top first), the image's config, and the function's
// configuration.
package doctor

import "sort"

// Severity says whether a finding stops the function from working.
type Severity string

// Severities. An error fails `lwa-pack doctor`; a warning fails it only with --strict.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one problem: what was seen and the exact fix.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Seen     string   `json:"seen"`
	Fix      string   `json:"fix"`
}

// check describes one finding id: its severity and title. The catalogue is the contract with
// docs/doctor.md; ids are never reused.
type check struct {
	severity Severity
	title    string
}

func catalogue() map[string]check {
	return map[string]check{
		"LWA001": {Error, "the adapter is missing"},
		"LWA002": {Error, "the adapter is not executable"},
		"LWA003": {Error, "the adapter is not a static Linux executable"},
		"LWA004": {Error, "the adapter is built for another architecture"},
		"LWA005": {Warning, "the adapter is not one lwa-pack built"},
		"LWA006": {Error, "/opt/bootstrap is missing"},
		"LWA007": {Error, "/opt/bootstrap is not executable"},
		"LWA010": {Error, "the handler file is missing"},
		"LWA011": {Error, "the handler is not executable"},
		"LWA012": {Error, "the handler script has no shebang"},
		"LWA013": {Error, "the handler script has Windows line endings"},
		"LWA014": {Warning, "the handler script starts the app without exec"},
		"LWA015": {Error, "AWS_LAMBDA_EXEC_WRAPPER is not set"},
		"LWA020": {Error, "an image index where Lambda needs one platform's image"},
		"LWA021": {Error, "the image is for another platform"},
		"LWA022": {Error, "the image has no entrypoint or command"},
		"LWA023": {Error, "the image's user cannot run the adapter"},
		"LWA024": {Error, "the image is larger than Lambda's 10 GB limit"},
		"LWA030": {Warning, "the zip is larger than 50 MB"},
		"LWA031": {Error, "the unzipped size is larger than Lambda's 250 MB limit"},
		"LWA040": {Error, "an AWS_LWA_ setting the adapter rejects"},
		"LWA041": {Warning, "an AWS_LWA_ variable the adapter does not read"},
		"LWA042": {Warning, "a TLS setting of AWS's adapter 0.x"},
		"LWA043": {Warning, "a deprecated variable name"},
		"LWA044": {Error, "the app port is the Runtime API's, 9001"},
		"LWA045": {Warning, "the app port is 3000, the Lambda Insights extension's"},
		"LWA046": {Error, "the app port is below 1024"},
		"LWA047": {Warning, "the readiness check probes another port than the app's"},
		"LWA048": {Warning, "compression has no effect with response streaming"},
		"LWA049": {Error, "the Function URL's invoke mode and AWS_LWA_INVOKE_MODE disagree"},
		"LWA050": {Warning, "the adapter warns about the configuration at start"},
	}
}

// IDs returns every finding id, sorted.
func IDs() []string {
	var ids []string
	for id := range catalogue() {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// findings collects a run's findings.
type findings []Finding

func (f *findings) add(id, seen, fix string) {
	c, ok := catalogue()[id]
	if !ok { // a finding missing from the catalogue still fails the run (TestCorpus keeps them in step)
		c = check{severity: Error, title: id}
	}
	*f = append(*f, Finding{ID: id, Severity: c.severity, Title: c.title, Seen: seen, Fix: fix})
}
