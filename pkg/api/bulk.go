package api

// TotalCountHeader carries, on a paged listing (?limit=&offset=), how many
// items there are in all.
const TotalCountHeader = "X-Total-Count"

// DeleteEndpointsSpec is the request body that deletes endpoints of an
// application in bulk: the listed IDs, or with All every one of them.
type DeleteEndpointsSpec struct {
	EndpointIDs []string `json:"endpointIds,omitempty"`
	All         bool     `json:"all,omitempty"`
}

// DeletedEndpoints is the answer to a bulk delete: how many endpoints were
// deleted (IDs that did not exist are not counted).
type DeletedEndpoints struct {
	Deleted int `json:"deleted"`
}
