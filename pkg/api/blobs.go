package api

import "time"

// Blob is the metadata of one stored blob, Kaa's representation in BCX's
// management API.
type Blob struct {
	ID          string    `json:"id"`
	EndpointID  string    `json:"endpointId"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	ContentType string    `json:"contentType"`
	CreatedDate time.Time `json:"createdDate"`
	// URL is the path of the blob's content on the BCX server.
	URL string `json:"url"`
}

// BlobPage is one page of a blob listing.
type BlobPage struct {
	// Content is never nil, so that it encodes as [].
	Content       []Blob `json:"content"`
	TotalElements int64  `json:"totalElements"`
	Page          int    `json:"page"`
	Size          int    `json:"size"`
}
