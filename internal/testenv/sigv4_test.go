package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSigV4DocumentedExample checks the verifier's derivation against the worked example in AWS's
// SigV4 documentation (IAM ListUsers, AKIDEXAMPLE, 2015-08-30): the canonical request's hash and the
// final signature are the published values.
func TestSigV4DocumentedExample(t *testing.T) {
	r, _ := http.NewRequest("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	s := SigV4{AccessKey: "AKIDEXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Service: "iam",
		Now: func() time.Time { return time.Date(2015, 8, 30, 12, 40, 0, 0, time.UTC) }}
	canonical := s.CanonicalRequest(r, []string{"content-type", "host", "x-amz-date"}, nil)
	sum := sha256.Sum256([]byte(canonical))
	if got := hex.EncodeToString(sum[:]); got != "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59" {
		t.Fatalf("canonical request hash %s for:\n%s", got, canonical)
	}
	const sig = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	date := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	if got := s.Signature(date, "us-east-1", "20150830/us-east-1/iam/aws4_request", canonical); got != sig {
		t.Fatalf("signature %s, want %s", got, sig)
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="+sig)
	if _, err := s.Verify(r); err != nil {
		t.Fatalf("the documented request does not verify: %v", err)
	}
	r.Header.Set("Content-Type", "application/json")
	if _, err := s.Verify(r); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("a changed signed header verified: %v", err)
	}
}
