/**
 * Paperboy's public URLs, built from PUBLIC_URL (no trailing slash: the config strips it) in one
 * place: the pages a reader reaches from an email, the archive and the feed. The HTTP routes
 * answer at these paths; a token goes in as given (tokens are URL-safe base64).
 */

/** The landing page (the subscribe form). */
export function homeUrl(publicUrl: string): string {
  return `${publicUrl}/`;
}

/** The public page of an issue ("view in browser"); the archive index when there is no issue yet. */
export function archiveUrl(publicUrl: string, issueId?: number): string {
  return issueId ? `${publicUrl}/archive/${issueId}` : `${publicUrl}/archive`;
}

/** The Atom feed of past issues. */
export function feedUrl(publicUrl: string): string {
  return `${publicUrl}/feed.xml`;
}

/** The double opt-in link of a confirmation email. */
export function confirmUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/confirm/${token}`;
}

/** A reader's preferences page. */
export function preferencesUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/preferences/${token}`;
}

/** A reader's unsubscribe page, also the one-click (RFC 8058) List-Unsubscribe URL. */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/unsubscribe/${token}`;
}
