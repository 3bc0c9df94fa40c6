package lambdalayer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// CallError is one failed Lambda API call, naming where it went.
type CallError struct {
	Region       string
	Architecture string
	LayerName    string
	Op           string // the API operation, e.g. PublishLayerVersion
	Err          error
}

// Code is the AWS error code (TooManyRequestsException, AccessDeniedException, ...), or "" when
// the call failed before AWS answered.
func (e *CallError) Code() string {
	var ae smithy.APIError
	if errors.As(e.Err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func (e *CallError) Error() string {
	if e.Region == "" {
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	}
	where := e.Region
	if e.Architecture != "" {
		where += " " + e.Architecture
	}
	if e.LayerName != "" {
		where += " (" + e.LayerName + ")"
	}
	var ae smithy.APIError
	if errors.As(e.Err, &ae) {
		msg := ae.ErrorMessage()
		if msg == "" {
			msg = "no message"
		}
		return fmt.Sprintf("%s: %s: %s: %s%s", where, e.Op, ae.ErrorCode(), msg, hint(ae.ErrorCode()))
	}
	return fmt.Sprintf("%s: %s: %v", where, e.Op, e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }

// hint says what to do about the codes a publisher meets most.
func hint(code string) string {
	switch code {
	case "TooManyRequestsException", "ThrottlingException":
		return " (throttled after the SDK's retries; run again later)"
	case "AccessDeniedException":
		return " (the credentials lack this permission: see docs/packager.md for the IAM actions needed)"
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException":
		return " (check the AWS credentials: profile, keys or session token)"
	}
	return ""
}

// Error is a failed Publish: the calls that failed, and what became of the versions the same
// run had already created (deleted again, or left for the user to delete).
type Error struct {
	Failures     []*CallError
	Deleted      []string // layer version ARNs created and deleted again
	Left         []string // layer version ARNs created and still there (their deletion failed)
	DeleteErrors []*CallError
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("publish layer versions: ")
	for i, f := range e.Failures {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	if len(e.Deleted) > 0 {
		fmt.Fprintf(&b, "; the %d version(s) this run had created were deleted again: %s", len(e.Deleted), strings.Join(e.Deleted, ", "))
	}
	if len(e.Left) > 0 {
		fmt.Fprintf(&b, "; %d version(s) this run created could not be deleted and remain (delete them with `aws lambda delete-layer-version`): %s", len(e.Left), strings.Join(e.Left, ", "))
		for _, d := range e.DeleteErrors {
			b.WriteString("; " + d.Error())
		}
	}
	if len(e.Deleted) == 0 && len(e.Left) == 0 {
		b.WriteString("; no layer version was created")
	}
	return b.String()
}

// Unwrap gives the failed calls to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	out := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		out[i] = f
	}
	return out
}
