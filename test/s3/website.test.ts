// Static website hosting end to end: Put/Get/DeleteBucketWebsite with @aws-sdk/client-s3
// (round trip, AWS's validation errors, RoutingRules, the integrity header,
// owner permission), the [s3_web] setting, and the website endpoint over plain HTTP: the bucket
// chosen by Host (`<bucket>.<root_domain>` or a bucket name), index documents at the root and
// in "directories", the 302 for a directory named without its slash, the error document,
// 404 for buckets without a website, HEAD, Range and conditional GETs, CORS preflights,
// RedirectAllRequestsTo and x-amz-website-redirect-location, RoutingRules (key prefix and
// error-code conditions, in order), and 405 for writes; the admin
// API's GetBucketInfo and /metrics.
import {
  CreateBucketCommand,
  DeleteBucketWebsiteCommand,
  GetBucketWebsiteCommand,
  PutBucketCorsCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3"
import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ConfigError, configFrom, DEV_WEB_CONFIG } from "../../src/node/config.ts"
import { errorOf, startTestNode, type TestNode } from "./helpers.ts"
import { codeOf, send, signedRequest, type RawResponse } from "./signing.ts"

const ROOT = "web.pollen.test"
let t: TestNode
beforeAll(async () => {
  t = await startTestNode({ web: { root_domain: `.${ROOT}` } })
  for (const b of ["site", "plain", "docs.example.org", "moved", "bare"]) await t.client.send(new CreateBucketCommand({ Bucket: b }))
  const files: Array<[string, string, string]> = [
    ["index.html", "<h1>home</h1>", "text/html"],
    ["about/index.html", "<h1>about</h1>", "text/html"],
    ["style.css", "body { color: black }", "text/css"],
    ["error.html", "<h1>oops</h1>", "text/html"],
    ["with space.txt", "spaced", "text/plain"],
    ["nested/deeper/index.html", "<h1>deep</h1>", "text/html"],
  ]
  for (const [Key, Body, ContentType] of files) await t.client.send(new PutObjectCommand({ Bucket: "site", Key, Body, ContentType }))
  await t.client.send(new PutObjectCommand({ Bucket: "site", Key: "old-page", Body: "", WebsiteRedirectLocation: "/style.css" }))
  await t.client.send(new PutBucketWebsiteCommand({ Bucket: "site", WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" }, ErrorDocument: { Key: "error.html" } } }))
  await t.client.send(new PutObjectCommand({ Bucket: "plain", Key: "index.html", Body: "not a website" }))
  await t.client.send(new PutObjectCommand({ Bucket: "docs.example.org", Key: "index.html", Body: "docs home" }))
  await t.client.send(new PutBucketWebsiteCommand({ Bucket: "docs.example.org", WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } } }))
  await t.client.send(new PutBucketWebsiteCommand({ Bucket: "moved", WebsiteConfiguration: { RedirectAllRequestsTo: { HostName: "example.com", Protocol: "https" } } }))
  await t.client.send(new PutBucketWebsiteCommand({ Bucket: "bare", WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" }, ErrorDocument: { Key: "missing-error.html" } } }))
})
afterAll(async () => t.stop())

const sha = (s: string) => createHash("sha256").update(s).digest("hex")
const md5 = (s: string) => createHash("md5").update(s).digest("hex")

/** A request to the website endpoint with the given Host header (node:http: redirects are not followed). */
const web = (path: string, host: string, method = "GET", headers: Record<string, string> = {}, body?: string): Promise<RawResponse> =>
  send(`${t.node.webUrl!}${path}`, method, { host, ...headers }, body)
const site = (path: string, method = "GET", headers: Record<string, string> = {}) => web(path, `site.${ROOT}`, method, headers)
const pageCode = (r: RawResponse) => /<li>Code: ([^<]*)<\/li>/.exec(r.body)?.[1]

/** PUT ?website with a hand-written body (signed payload, so no Content-MD5 is needed). */
const rawPutWebsite = async (bucket: string, body: string, payloadHash = sha(body)) => {
  const req = await signedRequest(t.node.s3Url, "PUT", `/${bucket}`, { accessKeyId: t.key.id, secret: t.key.secret, payloadHash, query: { website: "" } })
  return send(req.url, "PUT", req.headers, body)
}
const unescapeXml = (s: string) => s.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")
const messageOf = (r: RawResponse) => {
  const m = /<Message>([^<]*)<\/Message>/.exec(r.body)?.[1]
  return m === undefined ? undefined : unescapeXml(m)
}
const argumentOf = (r: RawResponse) => /<ArgumentName>([^<]*)<\/ArgumentName>/.exec(r.body)?.[1]

describe("the [s3_web] setting", () => {
  it("is off without the section, defaults bind_addr, root_domain and index like Garage, and refuses bad values", () => {
    expect(configFrom("test", {}, "/tmp").web).toBeUndefined()
    expect(configFrom("test", { s3_web: {} }, "/tmp").web).toEqual({ bindAddr: "127.0.0.1:3902", rootDomain: undefined, index: "index.html" })
    expect(configFrom("test", { s3_web: { bind_addr: "0.0.0.0:8080", root_domain: ".Web.Garage", index: "default.htm" } }, "/tmp").web).toEqual({
      bindAddr: "0.0.0.0:8080",
      rootDomain: "web.garage",
      index: "default.htm",
    })
    expect(DEV_WEB_CONFIG.bindAddr).toBe("127.0.0.1:3902")
    expect(() => configFrom("p.toml", { s3_web: { bind_addr: "3902" } }, "/tmp")).toThrow(/p\.toml: field 's3_web\.bind_addr' must look like/)
    expect(() => configFrom("p.toml", { s3_web: { index: "a/index.html" } }, "/tmp")).toThrow(/field 's3_web\.index'/)
    expect(() => configFrom("p.toml", { s3_web: { root_domain: "bad domain" } }, "/tmp")).toThrow(/field 's3_web\.root_domain'/)
    expect(() => configFrom("p.toml", { s3_web: { port: 3902 } }, "/tmp")).toThrow(ConfigError)
    expect(() => configFrom("p.toml", { s3_web: "yes" }, "/tmp")).toThrow(/\[s3_web\] must be a table/)
  })

  it("runs no website endpoint when the configuration has no [s3_web]", async () => {
    const other = await startTestNode()
    try {
      expect(other.node.webUrl).toBeUndefined()
    } finally {
      await other.stop()
    }
    expect(t.node.webUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
})

describe("Put/Get/DeleteBucketWebsite", () => {
  it("reads back what was put, replaces it whole, and deletes it", async () => {
    const b = "site-config"
    await t.client.send(new CreateBucketCommand({ Bucket: b }))
    expect(await errorOf(t.client.send(new GetBucketWebsiteCommand({ Bucket: b })))).toEqual({ name: "NoSuchWebsiteConfiguration", status: 404 })
    const put = await t.client.send(new PutBucketWebsiteCommand({ Bucket: b, WebsiteConfiguration: { IndexDocument: { Suffix: "home.html" }, ErrorDocument: { Key: "errors/404.html" } } }))
    expect(put.$metadata.httpStatusCode).toBe(200)
    const got = await t.client.send(new GetBucketWebsiteCommand({ Bucket: b }))
    expect([got.IndexDocument, got.ErrorDocument, got.RedirectAllRequestsTo]).toEqual([{ Suffix: "home.html" }, { Key: "errors/404.html" }, undefined])
    // A new configuration replaces the whole one: no error document left.
    await t.client.send(new PutBucketWebsiteCommand({ Bucket: b, WebsiteConfiguration: { IndexDocument: { Suffix: "index.htm" } } }))
    const replaced = await t.client.send(new GetBucketWebsiteCommand({ Bucket: b }))
    expect([replaced.IndexDocument, replaced.ErrorDocument]).toEqual([{ Suffix: "index.htm" }, undefined])
    // RoutingRules are kept in order, each as put
    const RoutingRules = [
      { Condition: { KeyPrefixEquals: "docs/" }, Redirect: { ReplaceKeyPrefixWith: "documents/" } },
      { Condition: { HttpErrorCodeReturnedEquals: "404" }, Redirect: { HostName: "errors.example.com", HttpRedirectCode: "302", Protocol: "https" as const, ReplaceKeyPrefixWith: "report-404/" } },
      { Redirect: { ReplaceKeyWith: "" } },
    ]
    await t.client.send(new PutBucketWebsiteCommand({ Bucket: b, WebsiteConfiguration: { IndexDocument: { Suffix: "index.htm" }, RoutingRules } }))
    const routed = await t.client.send(new GetBucketWebsiteCommand({ Bucket: b }))
    expect([routed.IndexDocument, routed.RoutingRules]).toEqual([{ Suffix: "index.htm" }, RoutingRules])
    await t.client.send(new PutBucketWebsiteCommand({ Bucket: b, WebsiteConfiguration: { RedirectAllRequestsTo: { HostName: "www.example.com" } } }))
    const redirect = await t.client.send(new GetBucketWebsiteCommand({ Bucket: b }))
    expect([redirect.RedirectAllRequestsTo, redirect.IndexDocument]).toEqual([{ HostName: "www.example.com" }, undefined])
    expect((await t.client.send(new DeleteBucketWebsiteCommand({ Bucket: b }))).$metadata.httpStatusCode).toBe(204)
    expect(await errorOf(t.client.send(new GetBucketWebsiteCommand({ Bucket: b })))).toEqual({ name: "NoSuchWebsiteConfiguration", status: 404 })
    // Deleting what is not there is a success, as on AWS.
    expect((await t.client.send(new DeleteBucketWebsiteCommand({ Bucket: b }))).$metadata.httpStatusCode).toBe(204)
  })

  it("refuses what AWS refuses, with AWS's codes and messages, and stores nothing", async () => {
    const b = "site-invalid"
    await t.client.send(new CreateBucketCommand({ Bucket: b }))
    await t.client.send(new PutBucketWebsiteCommand({ Bucket: b, WebsiteConfiguration: { IndexDocument: { Suffix: "kept.html" } } }))
    const wc = (inner: string) => `<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</WebsiteConfiguration>`
    const index = "<IndexDocument><Suffix>index.html</Suffix></IndexDocument>"
    const cases: Array<[string, number, string, string | undefined, string | undefined]> = [
      ["<NotWebsite/>", 400, "MalformedXML", undefined, undefined],
      [wc(`${index}<Bogus/>`), 400, "MalformedXML", undefined, undefined],
      [wc(`${index}${index}`), 400, "MalformedXML", undefined, undefined],
      [wc(""), 400, "InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", "IndexDocument"],
      [wc("<ErrorDocument><Key>e.html</Key></ErrorDocument>"), 400, "InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty", "IndexDocument"],
      [wc("<IndexDocument><Suffix></Suffix></IndexDocument>"), 400, "InvalidArgument", "The IndexDocument Suffix is not well formed", "IndexDocument"],
      [wc("<IndexDocument><Suffix>a/index.html</Suffix></IndexDocument>"), 400, "InvalidArgument", "The IndexDocument Suffix is not well formed", "IndexDocument"],
      [wc(`${index}<ErrorDocument></ErrorDocument>`), 400, "MalformedXML", undefined, undefined],
      [wc(`${index}<ErrorDocument><Key></Key></ErrorDocument>`), 400, "MalformedXML", undefined, undefined],
      [wc(`<RedirectAllRequestsTo><HostName>example.com</HostName></RedirectAllRequestsTo>${index}`), 400, "InvalidArgument", "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.", "RedirectAllRequestsTo"],
      [wc("<RedirectAllRequestsTo><Protocol>https</Protocol></RedirectAllRequestsTo>"), 400, "MalformedXML", undefined, undefined],
      [wc("<RedirectAllRequestsTo><HostName>example.com</HostName><Protocol>ftp</Protocol></RedirectAllRequestsTo>"), 400, "InvalidRequest", "Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.", undefined],
      [wc("<RedirectAllRequestsTo><HostName>example.com/path</HostName></RedirectAllRequestsTo>"), 400, "InvalidRequest", undefined, undefined],
      // RoutingRules
      [wc(`${index}<RoutingRules><RoutingRule><Condition><KeyPrefixEquals>a/</KeyPrefixEquals></Condition></RoutingRule></RoutingRules>`), 400, "MalformedXML", undefined, undefined],
      [wc(`${index}<RoutingRules><RoutingRule><Condition></Condition><Redirect><ReplaceKeyWith>x</ReplaceKeyWith></Redirect></RoutingRule></RoutingRules>`), 400, "InvalidRequest", "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.", undefined],
      [wc(`${index}<RoutingRules><RoutingRule><Condition><HttpErrorCodeReturnedEquals>200</HttpErrorCodeReturnedEquals></Condition><Redirect><ReplaceKeyWith>x</ReplaceKeyWith></Redirect></RoutingRule></RoutingRules>`), 400, "InvalidRequest", "The provided HTTP error code (200) is not valid. Valid codes are 4XX or 5XX.", undefined],
      [wc(`${index}<RoutingRules><RoutingRule><Redirect><HttpRedirectCode>300</HttpRedirectCode></Redirect></RoutingRule></RoutingRules>`), 400, "InvalidRequest", "The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300.", undefined],
      [wc(`${index}<RoutingRules><RoutingRule><Redirect><HttpRedirectCode>200</HttpRedirectCode></Redirect></RoutingRule></RoutingRules>`), 400, "InvalidRequest", "The provided HTTP redirect code (200) is not valid. Valid codes are 3XX except 300.", undefined],
      [wc(`${index}<RoutingRules><RoutingRule><Redirect><ReplaceKeyWith>x</ReplaceKeyWith><ReplaceKeyPrefixWith>y/</ReplaceKeyPrefixWith></Redirect></RoutingRule></RoutingRules>`), 400, "InvalidRequest", "You can only define ReplaceKeyPrefix or ReplaceKey but not both.", undefined],
      [wc(`${index}<RoutingRules><RoutingRule><Redirect></Redirect></RoutingRule></RoutingRules>`), 400, "InvalidRequest", undefined, undefined],
      [wc(`${index}<RoutingRules><RoutingRule><Redirect><Protocol>ftp</Protocol></Redirect></RoutingRule></RoutingRules>`), 400, "InvalidRequest", "Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.", undefined],
      [wc(`${index}<RoutingRules><RoutingRule><Redirect><HostName>a b</HostName></Redirect></RoutingRule></RoutingRules>`), 400, "InvalidRequest", undefined, undefined],
      [wc(`${index}<RoutingRules><RoutingRule><Redirect><Bogus>1</Bogus></Redirect></RoutingRule></RoutingRules>`), 400, "MalformedXML", undefined, undefined],
      [wc(`${index}<RoutingRules>${"<RoutingRule><Redirect><ReplaceKeyWith>x</ReplaceKeyWith></Redirect></RoutingRule>".repeat(51)}</RoutingRules>`), 400, "InvalidRequest", undefined, undefined],
    ]
    for (const [body, status, code, message, argument] of cases) {
      const r = await rawPutWebsite(b, body)
      expect([body, r.status, codeOf(r)]).toEqual([body, status, code])
      if (message !== undefined) expect(messageOf(r)).toBe(message)
      if (argument !== undefined) expect(argumentOf(r)).toBe(argument)
    }
    expect((await t.client.send(new GetBucketWebsiteCommand({ Bucket: b }))).IndexDocument).toEqual({ Suffix: "kept.html" })
    // A body in a signed payload is accepted; an unsigned one needs Content-MD5 or a checksum, as on AWS.
    const ok = wc("<IndexDocument><Suffix>new.html</Suffix></IndexDocument>")
    const unsigned = await rawPutWebsite(b, ok, "UNSIGNED-PAYLOAD")
    expect([unsigned.status, codeOf(unsigned)]).toEqual([400, "InvalidRequest"])
    expect((await rawPutWebsite(b, ok)).status).toBe(200)
    expect((await t.client.send(new GetBucketWebsiteCommand({ Bucket: b }))).IndexDocument).toEqual({ Suffix: "new.html" })
  })

  it("needs the owner permission to change the configuration, read permission to read it", async () => {
    const b = "site-perm"
    await t.client.send(new CreateBucketCommand({ Bucket: b }))
    await t.client.send(new PutBucketWebsiteCommand({ Bucket: b, WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } } }))
    const id = (await t.node.store.bucketByName(b))!.id
    const other = await t.node.keys.create("website-writer")
    await t.node.keys.setPermission(other.id, id, { read: true, write: true })
    const c = t.clientFor(other.id, other.secret)
    expect((await c.send(new GetBucketWebsiteCommand({ Bucket: b }))).IndexDocument).toEqual({ Suffix: "index.html" })
    expect(await errorOf(c.send(new PutBucketWebsiteCommand({ Bucket: b, WebsiteConfiguration: { IndexDocument: { Suffix: "x.html" } } })))).toEqual({ name: "AccessDenied", status: 403 })
    expect(await errorOf(c.send(new DeleteBucketWebsiteCommand({ Bucket: b })))).toEqual({ name: "AccessDenied", status: 403 })
    expect((await t.client.send(new GetBucketWebsiteCommand({ Bucket: b }))).IndexDocument).toEqual({ Suffix: "index.html" })
  })
})

describe("the admin API", () => {
  it("shows a bucket's website in GetBucketInfo (Garage's websiteAccess / websiteConfig)", async () => {
    const info = async (alias: string) =>
      (await (await fetch(`${t.node.adminUrl}/v2/GetBucketInfo?globalAlias=${alias}`, { headers: { authorization: "Bearer test-admin-token" } })).json()) as Record<string, unknown>
    const s = await info("site")
    expect([s.websiteAccess, s.websiteConfig]).toEqual([true, { indexDocument: "index.html", errorDocument: "error.html" }])
    const moved = await info("moved")
    expect(moved.websiteConfig).toEqual({ indexDocument: null, errorDocument: null, redirectAllRequestsTo: { hostName: "example.com", protocol: "https" } })
    const plain = await info("plain")
    expect([plain.websiteAccess, plain.websiteConfig]).toEqual([false, null])
  })

  it("counts website requests in /metrics by method", async () => {
    await site("/style.css", "HEAD")
    const text = await (await fetch(`${t.node.adminUrl}/metrics`)).text()
    expect(Number(/^web_request_counter\{api_endpoint="HEAD"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0)
  })
})

describe("the website endpoint", () => {
  it("serves the index document at the root and in directories, and other objects by key", async () => {
    const root = await site("/")
    expect([root.status, root.body, root.headers["content-type"]]).toEqual([200, "<h1>home</h1>", "text/html"])
    expect((await site("/about/")).body).toBe("<h1>about</h1>")
    expect((await site("/nested/deeper/")).body).toBe("<h1>deep</h1>")
    const css = await site("/style.css")
    expect([css.status, css.body, css.headers["content-type"], css.headers.etag]).toEqual([200, "body { color: black }", "text/css", `"${md5("body { color: black }")}"`])
    expect((await site("/with%20space.txt")).body).toBe("spaced")
    // The query string does not name a sub-resource here.
    expect((await site("/style.css?acl")).body).toBe("body { color: black }")
  })

  it("redirects a directory named without its trailing slash (302), as AWS does", async () => {
    for (const [path, location] of [["/about", "/about/"], ["/nested/deeper", "/nested/deeper/"]]) {
      const r = await site(path!)
      expect([path, r.status, r.headers.location]).toEqual([path, 302, location])
    }
    // Not a directory (no <key>/index.html): the error document.
    expect((await site("/nested")).status).toBe(404)
    // a key starting with a slash must not make a protocol-relative Location (another site)
    await t.client.send(new PutObjectCommand({ Bucket: "site", Key: "/evil.test/index.html", Body: "x", ContentType: "text/html" }))
    const r = await site("//evil.test")
    expect([r.status, r.headers.location]).toEqual([302, "/evil.test/"])
  })

  it("answers a missing object with the error document and status 404", async () => {
    for (const path of ["/missing.html", "/no/such/dir/", "/about/missing"]) {
      const r = await site(path)
      expect([path, r.status, r.body, r.headers["content-type"]]).toEqual([path, 404, "<h1>oops</h1>", "text/html"])
    }
    const head = await site("/missing.html", "HEAD")
    expect([head.status, head.body]).toEqual([404, ""])
    // Without an error document (or when it is missing): AWS's HTML error page.
    for (const r of [await web("/nothing", `docs.example.org`), await web("/nothing", `bare.${ROOT}`)]) {
      expect([r.status, pageCode(r), r.headers["content-type"]]).toEqual([404, "NoSuchKey", "text/html; charset=utf-8"])
      expect(r.body).toContain("<li>Key: nothing</li>")
    }
  })

  it("chooses the bucket by Host: <bucket>.<root_domain>, or a bucket name, with or without a port", async () => {
    const port = new URL(t.node.webUrl!).port
    for (const host of [`site.${ROOT}`, `SITE.${ROOT.toUpperCase()}:${port}`, "site", `site:${port}`]) {
      const r = await web("/", host)
      expect([host, r.status, r.body]).toEqual([host, 200, "<h1>home</h1>"])
    }
    // A bucket whose name is the site's domain.
    for (const host of ["docs.example.org", `docs.example.org:${port}`, `docs.example.org.${ROOT}`]) {
      const r = await web("/", host)
      expect([host, r.status, r.body]).toEqual([host, 200, "docs home"])
    }
    const unknown = await web("/", `nobody.${ROOT}`)
    expect([unknown.status, pageCode(unknown)]).toEqual([404, "NoSuchBucket"])
  })

  it("serves only buckets with a website configuration", async () => {
    for (const host of [`plain.${ROOT}`, "plain"]) {
      const r = await web("/index.html", host)
      expect([r.status, pageCode(r), r.headers["content-type"]]).toEqual([404, "NoSuchWebsiteConfiguration", "text/html; charset=utf-8"])
      expect(r.body).toContain("<li>BucketName: plain</li>")
      expect(r.body).not.toContain("not a website")
    }
    // A bucket stops being served when its configuration is deleted, and is served again when it is put.
    await t.client.send(new PutBucketWebsiteCommand({ Bucket: "plain", WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } } }))
    expect((await web("/", "plain")).body).toBe("not a website")
    await t.client.send(new DeleteBucketWebsiteCommand({ Bucket: "plain" }))
    expect((await web("/", "plain")).status).toBe(404)
  })

  it("answers HEAD without a body, Range with 206, and conditional GETs with 304 / 412", async () => {
    const head = await site("/style.css", "HEAD")
    expect([head.status, head.body, head.headers["content-length"], head.headers["accept-ranges"]]).toEqual([200, "", "21", "bytes"])
    const headIndex = await site("/", "HEAD")
    expect([headIndex.status, headIndex.headers["content-length"]]).toEqual([200, "13"])
    const part = await site("/style.css", "GET", { range: "bytes=0-3" })
    expect([part.status, part.body, part.headers["content-range"]]).toEqual([206, "body", "bytes 0-3/21"])
    const tail = await site("/", "GET", { range: "bytes=-5" })
    expect([tail.status, tail.body]).toEqual([206, "home</h1>".slice(-5)])
    expect((await site("/style.css", "GET", { range: "bytes=100-" })).status).toBe(416)
    const etag = `"${md5("body { color: black }")}"`
    const notModified = await site("/style.css", "GET", { "if-none-match": etag })
    expect([notModified.status, notModified.body]).toEqual([304, ""])
    expect((await site("/style.css", "GET", { "if-match": '"other"' })).status).toBe(412)
    expect((await site("/style.css", "GET", { "if-none-match": '"other"' })).status).toBe(200)
  })

  it("refuses methods other than GET, HEAD and OPTIONS with 405, changing nothing", async () => {
    for (const method of ["PUT", "POST", "DELETE", "PATCH"]) {
      const r = await site("/style.css", method, { "content-type": "text/plain" })
      expect([method, r.status, pageCode(r), r.headers.allow]).toEqual([method, 405, "MethodNotAllowed", "GET, HEAD, OPTIONS"])
    }
    const put = await web("/new.txt", `site.${ROOT}`, "PUT", { "content-length": "5" }, "hello")
    expect(put.status).toBe(405)
    expect((await site("/new.txt")).status).toBe(404)
    expect((await site("/style.css")).body).toBe("body { color: black }")
  })

  it("redirects every request of a RedirectAllRequestsTo bucket (301), and objects with x-amz-website-redirect-location", async () => {
    const r = await web("/some/page.html?x=1", `moved.${ROOT}`)
    expect([r.status, r.headers.location]).toEqual([301, "https://example.com/some/page.html?x=1"])
    const old = await site("/old-page")
    expect([old.status, old.headers.location]).toEqual([301, "/style.css"])
    // a redirect must be a path or an http(s) URL, as on AWS
    const bad = await t.client.send(new PutObjectCommand({ Bucket: "site", Key: "bad-redirect", Body: "x", WebsiteRedirectLocation: "javascript:alert(1)" })).catch((e: Error) => e)
    expect(bad).toBeInstanceOf(Error)
    expect((bad as Error).name).toBe("InvalidRedirectLocation")
  })

  it("applies the first RoutingRule whose key prefix and error-code conditions hold, before the index and error documents", async () => {
    const b = "routed"
    await t.client.send(new CreateBucketCommand({ Bucket: b }))
    for (const Key of ["index.html", "error.html", "a/here.html", "docs/real.html"]) await t.client.send(new PutObjectCommand({ Bucket: b, Key, Body: Key }))
    await t.client.send(
      new PutBucketWebsiteCommand({
        Bucket: b,
        WebsiteConfiguration: {
          IndexDocument: { Suffix: "index.html" },
          ErrorDocument: { Key: "error.html" },
          RoutingRules: [
            { Condition: { KeyPrefixEquals: "docs/" }, Redirect: { ReplaceKeyPrefixWith: "documents/" } },
            { Condition: { KeyPrefixEquals: "images/" }, Redirect: { ReplaceKeyWith: "folderdeleted.html", HttpRedirectCode: "307" } },
            { Condition: { KeyPrefixEquals: "a/", HttpErrorCodeReturnedEquals: "404" }, Redirect: { HostName: "one.example.com" } },
            { Condition: { KeyPrefixEquals: "a/" }, Redirect: { HostName: "two.example.com", Protocol: "https" } },
            { Condition: { HttpErrorCodeReturnedEquals: "404" }, Redirect: { HostName: "errors.example.com:8443", Protocol: "https", ReplaceKeyPrefixWith: "report-404/", HttpRedirectCode: "302" } },
          ],
        },
      }),
    )
    const host = `${b}.${ROOT}`
    const at = async (path: string, method = "GET", headers: Record<string, string> = {}) => {
      const r = await web(path, host, method, headers)
      return [r.status, r.headers.location]
    }
    // a key prefix redirects whether or not the object exists, with the request's host and protocol
    expect(await at("/docs/real.html")).toEqual([301, `http://${host}/documents/real.html`])
    expect(await at("/docs/with%20space.html")).toEqual([301, `http://${host}/documents/with%20space.html`])
    expect(await at("/docs/", "HEAD")).toEqual([301, `http://${host}/documents/`])
    expect(await at("/docs/x", "GET", { "x-forwarded-proto": "https" })).toEqual([301, `https://${host}/documents/x`])
    expect(await at("/images/cat.png")).toEqual([307, `http://${host}/folderdeleted.html`])
    // an error-code condition holds only when serving fails with that status; rules apply in order
    expect(await at("/a/missing.html")).toEqual([301, "http://one.example.com/a/missing.html"])
    expect(await at("/a/here.html")).toEqual([301, "https://two.example.com/a/here.html"])
    expect(await at("/nothing/here")).toEqual([302, "https://errors.example.com:8443/report-404/nothing/here"])
    // no rule holds: the index document, the object
    const home = await web("/", host)
    expect([home.status, home.body]).toEqual([200, "index.html"])
    expect((await web("/error.html", host)).status).toBe(200)
  })

  it("answers CORS preflights and adds CORS headers from the bucket's rules", async () => {
    const origin = { origin: "https://app.test", "access-control-request-method": "GET" }
    const none = await site("/style.css", "OPTIONS", origin)
    expect([none.status, pageCode(none)]).toEqual([403, "AccessDenied"])
    await t.client.send(new PutBucketCorsCommand({ Bucket: "site", CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["https://app.test"], AllowedMethods: ["GET"], MaxAgeSeconds: 60 }] } }))
    const ok = await site("/style.css", "OPTIONS", origin)
    expect([ok.status, ok.headers["access-control-allow-origin"], ok.headers["access-control-max-age"]]).toEqual([200, "https://app.test", "60"])
    expect((await site("/style.css", "OPTIONS", { origin: "https://evil.test", "access-control-request-method": "GET" })).status).toBe(403)
    const get = await site("/style.css", "GET", { origin: "https://app.test" })
    expect([get.status, get.headers["access-control-allow-origin"]]).toEqual([200, "https://app.test"])
  })
})
