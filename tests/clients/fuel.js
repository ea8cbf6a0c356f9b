// Drives Tidings with the unchanged fuel-auth / fuel-rest SFMC libraries.
// usage: node fuel.js <base-url> <client-id> <client-secret> <steps-json>
// steps: [[method, path, body?, untilSuffix?], ...]. A step with untilSuffix repeats (at most
// 100 times, 100 ms apart) until the body's eventCategoryType ends with it.
// Prints one JSON line: {"token": {...}, "results": [{"status": N, "body": ...}, ...]}.
const FuelRest = require("fuel-rest");

const [baseUrl, clientId, clientSecret, stepsJson] = process.argv.slice(2);
const client = new FuelRest({
  auth: {
    clientId,
    clientSecret,
    authUrl: baseUrl.replace(/\/$/, "") + "/v2/token",
    authOptions: { authVersion: 2 },
  },
  origin: "https://www.exacttargetapis.com",
});

function call(method, uri, body) {
  const options = { uri, method, headers: {} };
  if (body) options.json = body;
  return new Promise((resolve) => {
    client.apiRequest(options, (err, response) => {
      if (err) resolve({ status: err.res && err.res.statusCode, body: err.res && err.res.body });
      else resolve({ status: response.res.statusCode, body: response.body });
    });
  });
}

async function run(token) {
  const results = [];
  for (const [method, path, body, until] of JSON.parse(stepsJson)) {
    let result = await call(method, path, body);
    for (let i = 0; until && i < 100; i++) {
      const kind = (result.body && result.body.eventCategoryType) || "";
      if (kind.endsWith(until)) break;
      await new Promise((done) => setTimeout(done, 100));
      result = await call(method, path, body);
    }
    results.push(result);
  }
  console.log(JSON.stringify({ token, results }));
}

client.AuthClient.getAccessToken({}, (authError, token) => {
  if (authError) {
    console.log(JSON.stringify({ error: String(authError) }));
    process.exit(1);
  }
  run(token);
});
