package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one helper call. chromedp waits for a selector until
// the context ends, so without it a typo in a selector would only show up
// when the whole test times out, with a less specific error.
const stepTimeout = 15 * time.Second

// The helpers below take CSS selectors and act on the first match, like
// document.querySelector. (A plain string given to chromedp itself is a
// DOM.performSearch query, which also matches text and XPath; that
// ambiguity is not wanted in tests.)

// Navigate opens url in the tab and waits for the page to load. It returns
// the response of the HTML document, after redirects; an HTTP error status
// is not an error, so tests can assert on Status.
func Navigate(ctx context.Context, url string) (*network.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		return nil, fmt.Errorf("navigate to %s: %w", url, err)
	}
	return resp, nil
}

// Fill sets the value of the input, textarea or select that sel matches and
// fires input and change events, as a paste or a choice in a list would.
// It sets the value directly instead of typing keys, so that date, number
// and select fields behave the same way whatever the browser's locale.
// For a select, value is the value of an option; Fill fails when there is
// no such option.
func Fill(ctx context.Context, sel, value string) error {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	selJSON, _ := json.Marshal(sel) // a string always marshals
	valueJSON, _ := json.Marshal(value)
	js := fmt.Sprintf(`((sel, value) => {
	const el = document.querySelector(sel);
	el.focus();
	el.value = value;
	el.dispatchEvent(new Event("input", {bubbles: true}));
	el.dispatchEvent(new Event("change", {bubbles: true}));
	return el.value === value;
})(%s, %s)`, selJSON, valueJSON)

	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(sel))); err != nil {
		return fmt.Errorf("fill %s: %w", sel, err)
	}
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		return fmt.Errorf("fill %s: %w", sel, err)
	}
	if !ok {
		// The element refused the value, e.g. a select without that
		// option or an input whose type cannot hold it.
		return fmt.Errorf("fill %s: the element did not take the value %q", sel, value)
	}
	return nil
}

// Click clicks the element that sel matches, once it is visible. Use it for
// checkboxes and for buttons that do not load a new page; use Submit for
// those that do.
func Click(ctx context.Context, sel string) error {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		return fmt.Errorf("click %s: %w", sel, err)
	}
	return nil
}

// Submit clicks the submit button that sel matches and waits for the page
// that the form leads to. It returns the response of that page, after
// redirects (for a POST-redirect-GET, the response of the GET).
//
// It clicks rather than calling form.submit() so that the browser runs its
// own validation and sends the name and value of the clicked button, as it
// does for a user.
func Submit(ctx context.Context, sel string) (*network.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		return nil, fmt.Errorf("submit with %s: %w", sel, err)
	}
	return resp, nil
}

// Text returns the rendered text (innerText) of the first element that sel
// matches, without leading and trailing white space. innerText rather than
// textContent: it is what the user sees, with the layout's line breaks and
// without the contents of script and style elements.
func Text(ctx context.Context, sel string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		return "", fmt.Errorf("text of %s: %w", sel, err)
	}
	return strings.TrimSpace(s), nil
}
