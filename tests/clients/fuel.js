// Drives Tidings with the unchanged fuel-auth / fuel-rest SFMC libraries.
// usage: node fuel.js <base-url> <client-id> <client-secret> <method> <path> [json-body]
// Prints one JSON line: {"token": {...}, "status": N, "body": ...}.
const FuelRest = require("fuel-rest");

const [baseUrl, clientId, clientSecret, method, path, body] = process.argv.slice(2);
const client = new FuelRest({
  auth: {
    clientId,
    clientSecret,
    authUrl: baseUrl.replace(/\/$/, "") + "/v2/token",
    authOptions: { authVersion: 2 },
  },
  origin: "https://www.exacttargetapis.com",
});

client.AuthClient.getAccessToken({}, (authError, token) => {
  if (authError) {
    console.log(JSON.stringify({ error: String(authError) }));
    process.exit(1);
  }
  const options = { uri: path, method, headers: {} };
  if (body) options.json = JSON.parse(body);
  client.apiRequest(options, (err, response) => {
    const status = err ? err.res && err.res.statusCode : response.res.statusCode;
    const payload = err ? err.res && err.res.body : response.body;
    console.log(JSON.stringify({ token, status, body: payload }));
  });
});
