package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/kaactl/kaactl/pkg/blobstore"
)

// wrap maps an S3 client error of op to the blobstore errors: the cause of an
// ended ctx, ErrNotFound, ErrRange or ErrUnavailable (wrapped).
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, context.Cause(ctx))
	}
	// A failed send also carries a response error (status 0), so this
	// comes first.
	if connectionError(err) {
		return fmt.Errorf("%s: %w: %w", op, blobstore.ErrUnavailable, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("%s: %w", op, blobstore.ErrNotFound)
		case "NoSuchBucket": // deleted under us: nothing works until it is back
			return fmt.Errorf("%s: %w: %w", op, blobstore.ErrUnavailable, err)
		case "InvalidRange":
			return fmt.Errorf("%s: %w", op, blobstore.ErrRange)
		case "SlowDown", "ServiceUnavailable", "RequestTimeout":
			return fmt.Errorf("%s: %w: %w", op, blobstore.ErrUnavailable, err)
		}
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) {
		switch code := resp.HTTPStatusCode(); {
		case code == http.StatusNotFound:
			return fmt.Errorf("%s: %w", op, blobstore.ErrNotFound)
		case code == http.StatusRequestedRangeNotSatisfiable:
			return fmt.Errorf("%s: %w", op, blobstore.ErrRange)
		case code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout:
			return fmt.Errorf("%s: %w: %w", op, blobstore.ErrUnavailable, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// connectionError reports whether err means S3 could not be reached or the
// connection broke, rather than S3 answering.
func connectionError(err error) bool {
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	return errors.As(err, &send) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF)
}

func isNoSuchUpload(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "NoSuchUpload"
}
