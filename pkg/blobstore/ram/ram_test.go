package ram_test

import (
	"testing"

	"github.com/kaactl/kaactl/pkg/blobstore"
	"github.com/kaactl/kaactl/pkg/blobstore/ram"
	"github.com/kaactl/kaactl/pkg/blobstore/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) blobstore.Store { return ram.New() }, storetest.InMemory())
}
