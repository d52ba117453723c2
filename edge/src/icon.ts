/**
 * The site icon every page names (a white seat on the brand purple), as SVG for the
 * pages' <link rel="icon"> and as a 32x32 ICO for clients that ask /favicon.ico on
 * their own. Without one, browsers fetch /favicon.ico and log the 404.
 */
export const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#4b3fd6"/>' +
  '<path fill="#fff" d="M9 7h14v11H9zM7 19h18v5H7zM8 24h3v3H8zM21 24h3v3h-3z"/></svg>';

/** A PNG in an ICO container (what `bun` drew from the same shapes), base64. */
const FAVICON_ICO_BASE64 =
  "AAABAAEAICAAAAEAIACTAAAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAAFpJREFUeNpjYEAD3vbX/tMSM+ACtLYYr0PobTmGIwbUAQNlOdwRow4gRhG5YNQBow4YdcCoA0YdMPTrAmqBUQeMOoCiXEBqtiJVz6gDBr4gGu0ZDYrO6UB2zwHuOddlUAmURQAAAABJRU5ErkJggg==";

export const FAVICON_ICO: Uint8Array = Uint8Array.from(atob(FAVICON_ICO_BASE64), (c) => c.charCodeAt(0));
