package sandbox

// Info is what the demo prints and writes to var/demo.json for scripts.
type Info struct {
	Ubiregi     UbiregiInfo `json:"ubiregi"`
	Smaregi     SmaregiInfo `json:"smaregi"`
	CameraCloud CameraInfo  `json:"camera_cloud"`
}

// UbiregiInfo is the demo Ubiregi account and the portal's OAuth client.
type UbiregiInfo struct {
	BaseURL      string `json:"base_url"`
	AccountID    int64  `json:"account_id"`
	Login        string `json:"login"`
	Email        string `json:"email"`
	Password     string `json:"password"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	AdminURL     string `json:"admin_url"`
}

// SmaregiInfo is the demo Smaregi contract, with its new (client ID and
// secret) and legacy (access token) credentials.
type SmaregiInfo struct {
	IDBaseURL         string `json:"id_base_url"`
	APIBaseURL        string `json:"api_base_url"`
	LegacyBaseURL     string `json:"legacy_base_url"`
	ContractID        string `json:"contract_id"`
	ClientID          string `json:"client_id"`
	ClientSecret      string `json:"client_secret"`
	LegacyAccessToken string `json:"legacy_access_token"`
	AdminURL          string `json:"admin_url"`
}

// CameraInfo is the demo camera cloud and its API key.
type CameraInfo struct {
	BaseURL  string `json:"base_url"`
	APIKey   string `json:"api_key"`
	AdminURL string `json:"admin_url"`
}

func (sb *Sandbox) info(ubiregiURL, smaregiURL, cameraURL string) Info {
	c, _ := sb.Smaregi.Contract(SmaregiContractID)
	return Info{
		Ubiregi: UbiregiInfo{BaseURL: ubiregiURL, AccountID: sb.ubiregiAccount, Login: UbiregiLogin, Email: UbiregiEmail, Password: UbiregiPassword,
			ClientID: UbiregiClientID, ClientSecret: UbiregiClientSecret, AdminURL: ubiregiURL + "/_sim/"},
		Smaregi: SmaregiInfo{IDBaseURL: smaregiURL, APIBaseURL: smaregiURL, LegacyBaseURL: smaregiURL,
			ContractID: c.ID, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
			LegacyAccessToken: c.LegacyAccessToken, AdminURL: smaregiURL + "/_sim/"},
		CameraCloud: CameraInfo{BaseURL: cameraURL, APIKey: CameraAPIKey, AdminURL: cameraURL + "/_sim/"},
	}
}
