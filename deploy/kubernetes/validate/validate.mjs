#!/usr/bin/env node
// Offline check of deploy/kubernetes: no cluster, kubectl or kustomize needed.
//
//   node validate.mjs <dir>             (e.g. node validate.mjs ..  from this folder)
//   node validate.mjs --build <dir>     prints what one kustomization builds to
//
// Builds every kustomization under <dir> the way kustomize would for the features used here (resources, namespace,
// labels, patches: strategic merge and JSON 6902), validates every resulting document against the Kubernetes and KEDA
// JSON schemas that kubernetes-models ships (unknown fields included), then checks the platform's own rules. Anything
// it cannot check (an unknown apiVersion/kind, a kustomize feature it does not implement) is a failure, never a pass.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import YAML from "yaml";

const require = createRequire(import.meta.url);

// The five gRPC services and the operations web app (AppHost/Program.cs).
const PLATFORM_SERVICES = ["enrollment", "prenatal", "claims", "allowance", "notifications"];
const WEB_APPS = ["operations"];
const NAMESPACE = "maternitycloud";
const ISSUER_PRIVATE = /issuer[-_.]?(private|key\b)|issuer\.key|IssuerKeyFile|PRIVATE KEY/i;

const failures = [];
let documentsValid = 0;

function fail(file, resource, message) {
  failures.push({ file, resource, message });
}

// ---------------------------------------------------------------------------------------------------------------
// Schemas: the model class is chosen by apiVersion and kind. The API groups each package ships come from its own
// export map (kubernetes-models: every built-in group; @kubernetes-models/keda: keda.sh). rabbitmq.com has no published
// model, so RabbitmqCluster gets the minimal check below.

const MODEL_PACKAGES = ["kubernetes-models", "@kubernetes-models/keda"];
const groupTable = new Map(); // "apps/v1" -> package
for (const pkg of MODEL_PACKAGES) {
  const exports = require(`${pkg}/package.json`).exports;
  for (const key of Object.keys(exports)) {
    const m = /^\.\/(.+)\/\*$/.exec(key);
    if (m && !m[1].startsWith("_")) groupTable.set(m[1], pkg);
  }
}

const modelCache = new Map();
async function modelFor(apiVersion, kind) {
  const key = `${apiVersion} ${kind}`;
  if (modelCache.has(key)) return modelCache.get(key);
  let model = null;
  const pkg = groupTable.get(apiVersion);
  if (pkg && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    try {
      const mod = await import(`${pkg}/${apiVersion}/${kind}`);
      const cls = mod[kind];
      // Helper types (e.g. ObjectMeta) are exported too: only a class that is itself this apiVersion/kind counts.
      if (cls && cls.apiVersion === apiVersion && cls.kind === kind && typeof cls.prototype.validate === "function") model = cls;
    } catch {
      model = null;
    }
  }
  modelCache.set(key, model);
  return model;
}

async function schemaValidator(name) {
  const pkg = name.startsWith("IoK8sApimachinery") ? "@kubernetes-models/apimachinery" : "kubernetes-models";
  const mod = await import(`${pkg}/_schemas/${name}`);
  return mod.validate;
}

// The packages' validators ignore fields the schema does not name (no additionalProperties: false), and an unknown
// field (a typo, a wrong indentation) is the commonest manifest mistake. So the object is handed to the validator
// behind proxies that record which property names the validator looks up: a validator for an object with declared
// properties reads each of them; a map (labels, data) is enumerated instead. A key of such an object that the
// validator never read is not in the schema.
function tracked(root) {
  const records = new Map();
  const proxies = new WeakMap();
  function wrap(obj, pointer) {
    if (obj === null || typeof obj !== "object") return obj;
    if (proxies.has(obj)) return proxies.get(obj);
    const rec = { pointer, read: new Set(), enumerated: false, obj };
    records.set(obj, rec);
    const proxy = new Proxy(obj, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof key !== "string") return value;
        rec.read.add(key);
        return value !== null && typeof value === "object" ? wrap(value, `${pointer}/${key}`) : value;
      },
      has(target, key) {
        if (typeof key === "string") rec.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        rec.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(obj, proxy);
    return proxy;
  }
  return {
    proxy: wrap(root, ""),
    unknownFields() {
      const out = [];
      for (const r of records.values()) {
        // Arrays, maps, and free-form objects (nothing read: x-kubernetes-preserve-unknown-fields) are not judged.
        if (Array.isArray(r.obj) || r.enumerated || r.read.size === 0) continue;
        for (const k of Object.keys(r.obj)) if (!r.read.has(k)) out.push(`${r.pointer}/${k}`);
      }
      return out;
    },
  };
}

function schemaErrors(validate, value, prefix = "") {
  const t = tracked(value);
  const messages = [];
  if (!validate(t.proxy)) {
    for (const e of validate.errors ?? []) {
      const detail = e.params?.missingProperty ? ` '${e.params.missingProperty}'`
        : e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}`
        : e.params?.type ? ` ${e.params.type}` : "";
      messages.push(`${prefix}${e.instancePath || "/"}: ${e.keyword}${detail}`);
    }
  }
  for (const f of t.unknownFields()) messages.push(`${prefix}${f}: unknown field`);
  return messages;
}

async function validateModel(model, doc) {
  // validate() on the model's prototype, called on the proxied plain object, runs the package's own validator.
  const t = tracked(doc);
  const messages = [];
  try {
    model.prototype.validate.call(t.proxy);
  } catch (e) {
    // "data/spec/replicas must be integer, data/..." -> one message per error, as a JSON pointer like the others.
    messages.push(...String(e.message).split(/,\s*(?=data[/ ])/).map((m) => m.replace(/^data(?=[/ ])/, "").replace(/^ /, "/ ")));
  }
  for (const f of t.unknownFields()) messages.push(`${f}: unknown field`);
  return messages;
}

// RabbitmqCluster (rabbitmq.com/v1beta1): no model package exists, so this checks only the top-level shape, the
// field names of spec and of the sections used here, and the embedded Kubernetes types against their own schemas.
const RABBITMQ_SPEC = {
  replicas: "integer", image: "string", imagePullSecrets: "array", service: "object", persistence: "object",
  resources: "IoK8sApiCoreV1ResourceRequirements", affinity: "IoK8sApiCoreV1Affinity", tolerations: "array",
  rabbitmq: "object", tls: "object", override: "object", skipPostDeploySteps: "boolean",
  terminationGracePeriodSeconds: "integer", delayStartSeconds: "integer", secretBackend: "object",
  autoEnableAllFeatureFlags: "boolean",
};
const RABBITMQ_SECTIONS = {
  rabbitmq: ["additionalPlugins", "additionalConfig", "advancedConfig", "envConfig", "erlangInetConfig"],
  persistence: ["storageClassName", "storage"],
  service: ["type", "annotations", "ipFamilyPolicy"],
};
async function validateRabbitmqCluster(doc) {
  const messages = [];
  for (const k of Object.keys(doc)) {
    if (!["apiVersion", "kind", "metadata", "spec", "status"].includes(k)) messages.push(`/${k}: unknown field`);
  }
  messages.push(...schemaErrors(await schemaValidator("IoK8sApimachineryPkgApisMetaV1ObjectMeta"), doc.metadata ?? {}, "/metadata"));
  const spec = doc.spec ?? {};
  if (typeof spec !== "object" || Array.isArray(spec)) return [...messages, "/spec: must be an object"];
  for (const [k, v] of Object.entries(spec)) {
    const type = RABBITMQ_SPEC[k];
    if (!type) messages.push(`/spec/${k}: unknown field`);
    else if (type.startsWith("IoK8s")) messages.push(...schemaErrors(await schemaValidator(type), v, `/spec/${k}`));
    else if (type === "integer" ? !Number.isInteger(v) : type === "array" ? !Array.isArray(v)
      : type === "object" ? (typeof v !== "object" || v === null || Array.isArray(v)) : typeof v !== type) {
      messages.push(`/spec/${k}: must be ${type}`);
    }
  }
  if (Number.isInteger(spec.replicas) && spec.replicas < 0) messages.push("/spec/replicas: must be >= 0");
  for (const [section, keys] of Object.entries(RABBITMQ_SECTIONS)) {
    for (const k of Object.keys(spec[section] ?? {})) if (!keys.includes(k)) messages.push(`/spec/${section}/${k}: unknown field`);
  }
  if (spec.tolerations) {
    const v = await schemaValidator("IoK8sApiCoreV1Toleration");
    spec.tolerations.forEach((t, i) => messages.push(...schemaErrors(v, t, `/spec/tolerations/${i}`)));
  }
  return messages;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading YAML as kubectl does: sigs.k8s.io/yaml reads YAML 1.1, where yes/no/on/off are booleans, so `value: yes`
// fails there although YAML 1.2 would call it a string. Duplicate keys are errors.

function readDocuments(file, rel) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    fail(rel, "-", `cannot read: ${e.message}`);
    return [];
  }
  const docs = [];
  YAML.parseAllDocuments(text, { version: "1.1", uniqueKeys: true, prettyErrors: true }).forEach((d, i) => {
    for (const e of [...d.errors, ...d.warnings]) fail(rel, `document ${i + 1}`, `YAML: ${e.message.split("\n")[0]}`);
    if (d.errors.length) return;
    const value = d.toJS();
    if (value === null || value === undefined) return; // an empty document (comments only)
    docs.push({ doc: value, file: rel, index: i });
  });
  return docs;
}

// ---------------------------------------------------------------------------------------------------------------
// Building a kustomization. Supported: resources (files, and folders holding a kustomization), namespace, labels,
// patches (inline or path; strategic merge or JSON 6902; with or without a target). Any other field fails, so the
// check never passes over something kustomize would have changed.

const KUSTOMIZATION_FIELDS = new Set(["apiVersion", "kind", "namespace", "labels", "resources", "patches"]);
const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
  "ClusterTriggerAuthentication", "PriorityClass", "StorageClass", "PersistentVolume", "IngressClass"]);

function kustomizationFile(dir) {
  for (const f of KUSTOMIZATION_FILES) if (fs.existsSync(path.join(dir, f))) return path.join(dir, f);
  return null;
}

function id(doc) {
  return `${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
}

function build(dir, root, stack = []) {
  const kfile = kustomizationFile(dir);
  const krel = path.relative(root, kfile);
  if (stack.includes(dir)) {
    fail(krel, "Kustomization", "resources form a cycle");
    return [];
  }
  const [k] = readDocuments(kfile, krel).map((d) => d.doc);
  if (!k) return [];
  if (k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization") {
    fail(krel, "Kustomization", "apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization");
  }
  for (const field of Object.keys(k)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) fail(krel, "Kustomization", `field '${field}' is not supported by this validator`);
  }
  let items = [];
  for (const r of k.resources ?? []) {
    const target = path.resolve(dir, r);
    if (!fs.existsSync(target)) {
      fail(krel, "Kustomization", `resource '${r}' does not exist`);
    } else if (fs.statSync(target).isDirectory()) {
      if (!kustomizationFile(target)) fail(krel, "Kustomization", `resource '${r}' is a folder without a kustomization`);
      else items.push(...build(target, root, [...stack, dir]));
    } else {
      items.push(...readDocuments(target, path.relative(root, target)).map((d) => ({ ...d, origin: d.file })));
    }
  }
  // Files in the folder that the kustomization does not list are never applied: most likely forgotten.
  for (const f of fs.readdirSync(dir)) {
    if (!/\.ya?ml$/.test(f) || KUSTOMIZATION_FILES.includes(f)) continue;
    const listed = (k.resources ?? []).some((r) => path.resolve(dir, r) === path.join(dir, f));
    const patchFile = (k.patches ?? []).some((p) => p.path && path.resolve(dir, p.path) === path.join(dir, f));
    if (!listed && !patchFile) fail(krel, "Kustomization", `${f} is in the folder but not in resources or patches`);
  }
  // Patches first, then namespace and labels: kustomize's order of its built-in transformers.
  for (const [i, p] of (k.patches ?? []).entries()) items = applyPatch(items, p, dir, krel, i);
  if (k.namespace !== undefined) {
    for (const it of items) {
      if (!CLUSTER_SCOPED.has(it.doc.kind)) (it.doc.metadata ??= {}).namespace = k.namespace;
      else if (it.doc.kind === "Namespace") it.doc.metadata.name = k.namespace;
    }
  }
  for (const l of k.labels ?? []) {
    for (const field of Object.keys(l)) {
      if (!["pairs", "includeSelectors", "includeTemplates"].includes(field)) fail(krel, "Kustomization", `labels.${field} is not supported by this validator`);
    }
    if (l.includeSelectors) fail(krel, "Kustomization", "labels.includeSelectors is not supported by this validator");
    for (const it of items) {
      Object.assign((it.doc.metadata ??= {}).labels ??= {}, l.pairs);
      const template = it.doc.spec?.template;
      if (l.includeTemplates && template && ["Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"].includes(it.doc.kind)) {
        Object.assign((template.metadata ??= {}).labels ??= {}, l.pairs);
      }
    }
  }
  return items;
}

function selects(sel, doc) {
  if (!sel) return true;
  if (sel.kind && sel.kind !== doc.kind) return false;
  if (sel.name && !new RegExp(`^(?:${sel.name})$`).test(doc.metadata?.name ?? "")) return false;
  if (sel.namespace && sel.namespace !== doc.metadata?.namespace) return false;
  if (sel.group !== undefined || sel.version !== undefined) {
    const [g, v] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : ["", doc.apiVersion];
    if (sel.group !== undefined && sel.group !== g) return false;
    if (sel.version !== undefined && sel.version !== v) return false;
  }
  for (const [field, map] of [["labelSelector", doc.metadata?.labels], ["annotationSelector", doc.metadata?.annotations]]) {
    if (!sel[field]) continue;
    for (const term of sel[field].split(",")) {
      const m = /^\s*([^=!\s]+)\s*(==?|!=)\s*(\S*)\s*$/.exec(term);
      if (!m) throw new Error(`${field} '${term}' is not supported by this validator (only k=v and k!=v)`);
      const equal = (map ?? {})[m[1]] === m[3];
      if (m[2] === "!=" ? equal : !equal) return false;
    }
  }
  return true;
}

function applyPatch(items, p, dir, krel, index) {
  const where = `patches[${index}]`;
  for (const field of Object.keys(p)) {
    if (!["patch", "path", "target", "options"].includes(field) || field === "options") {
      fail(krel, where, `field '${field}' is not supported by this validator`);
      return items;
    }
  }
  if (p.target) {
    for (const field of Object.keys(p.target)) {
      if (!["kind", "name", "namespace", "group", "version", "labelSelector", "annotationSelector"].includes(field)) {
        fail(krel, where, `target.${field} is not supported by this validator`);
        return items;
      }
    }
  }
  let text = p.patch ?? null;
  if (text === null && p.path) {
    try {
      text = fs.readFileSync(path.resolve(dir, p.path), "utf8");
    } catch (e) {
      fail(krel, where, `cannot read ${p.path}: ${e.message}`);
      return items;
    }
  }
  if (text === null) {
    fail(krel, where, "needs patch or path");
    return items;
  }
  const parsed = YAML.parseAllDocuments(text, { version: "1.1", uniqueKeys: true });
  if (parsed.length !== 1 || parsed[0].errors.length) {
    fail(krel, where, `patch must be one YAML document${parsed[0]?.errors[0] ? ": " + parsed[0].errors[0].message.split("\n")[0] : ""}`);
    return items;
  }
  const body = parsed[0].toJS();
  const json6902 = Array.isArray(body);
  if (json6902 && !p.target) {
    fail(krel, where, "a JSON 6902 patch needs a target");
    return items;
  }
  let matched = 0;
  for (const it of items) {
    let hit;
    try {
      hit = p.target ? selects(p.target, it.doc)
        : it.doc.kind === body?.kind && it.doc.metadata?.name === body?.metadata?.name && it.doc.apiVersion === body?.apiVersion
          && (!body?.metadata?.namespace || body.metadata.namespace === it.doc.metadata?.namespace);
    } catch (e) {
      fail(krel, where, e.message);
      return items;
    }
    if (!hit) continue;
    matched++;
    try {
      if (json6902) it.doc = applyJson6902(structuredClone(it.doc), body);
      else {
        const patchBody = structuredClone(body);
        if (p.target) delete patchBody.metadata?.name; // with a target, the patch's own name does not rename
        it.doc = strategicMerge(structuredClone(it.doc), patchBody, it.doc.kind);
      }
    } catch (e) {
      fail(krel, `${where} on ${id(it.doc)}`, e.message);
    }
    it.patched = true;
  }
  if (!matched) fail(krel, where, "matches no resource (kustomize fails on that)");
  return items;
}

// Strategic merge for the built-in kinds used here: maps merge, lists with a merge key merge by it (containers by
// name, env by name, ...), other lists are replaced, null deletes. Patch directives ($patch, ...) are not supported.
const MERGE_KEYS = {
  containers: "name", initContainers: "name", ephemeralContainers: "name", env: "name", volumes: "name",
  volumeMounts: "mountPath", imagePullSecrets: "name", tolerations: null, topologySpreadConstraints: "topologyKey",
};
function portMergeKey(kind, pathKeys) {
  // Container ports merge by containerPort; a Service's ports by port.
  return pathKeys.includes("containers") || pathKeys.includes("initContainers") ? "containerPort" : kind === "Service" ? "port" : null;
}
function strategicMerge(base, patch, kind, pathKeys = []) {
  if (patch === null) return undefined;
  if (typeof patch !== "object" || Array.isArray(patch) || typeof base !== "object" || base === null || Array.isArray(base)) {
    return patch;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) throw new Error(`strategic-merge directive ${k} is not supported by this validator`);
    if (v === null) {
      delete base[k];
      continue;
    }
    const key = k === "ports" ? portMergeKey(kind, pathKeys) : MERGE_KEYS[k];
    if (Array.isArray(v) && Array.isArray(base[k]) && key) {
      const merged = base[k];
      for (const item of v) {
        if (item && typeof item === "object" && item.$patch) throw new Error(`strategic-merge directive $patch is not supported by this validator`);
        const at = merged.findIndex((b) => b?.[key] === item?.[key]);
        if (at >= 0) merged[at] = strategicMerge(merged[at], item, kind, [...pathKeys, k]);
        else merged.push(item);
      }
    } else {
      base[k] = strategicMerge(base[k], v, kind, [...pathKeys, k]);
    }
  }
  return base;
}

function applyJson6902(doc, ops) {
  const parse = (pointer) => {
    if (pointer === "") return [];
    if (!pointer.startsWith("/")) throw new Error(`JSON pointer '${pointer}' must start with /`);
    return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  };
  const parentOf = (tokens) => {
    let node = doc;
    for (const t of tokens.slice(0, -1)) {
      node = Array.isArray(node) ? node[Number(t)] : node?.[t];
      if (node === undefined || node === null || typeof node !== "object") throw new Error(`path /${tokens.join("/")} does not exist`);
    }
    return node;
  };
  const get = (tokens) => {
    let node = doc;
    for (const t of tokens) {
      if (node === null || typeof node !== "object" || !(Array.isArray(node) ? Number(t) < node.length : t in node)) {
        throw new Error(`path /${tokens.join("/")} does not exist`);
      }
      node = node[Array.isArray(node) ? Number(t) : t];
    }
    return node;
  };
  const remove = (tokens) => {
    const parent = parentOf(tokens);
    const last = tokens.at(-1);
    get(tokens);
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  };
  const add = (tokens, value) => {
    if (!tokens.length) {
      doc = value;
      return;
    }
    const parent = parentOf(tokens);
    const last = tokens.at(-1);
    if (Array.isArray(parent)) {
      const i = last === "-" ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new Error(`index ${last} is out of range`);
      parent.splice(i, 0, value);
    } else parent[last] = value;
  };
  for (const op of ops) {
    const tokens = parse(op.path ?? "");
    switch (op.op) {
      case "add": add(tokens, structuredClone(op.value)); break;
      case "remove": remove(tokens); break;
      case "replace": get(tokens); remove(tokens); add(tokens, structuredClone(op.value)); break;
      case "move": case "copy": {
        const from = parse(op.from ?? "");
        const value = structuredClone(get(from));
        if (op.op === "move") remove(from);
        add(tokens, value);
        break;
      }
      case "test":
        if (JSON.stringify(get(tokens)) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
        break;
      default:
        throw new Error(`JSON 6902 op '${op.op}' is unknown`);
    }
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------------------------
// Platform rules, over one build's documents.

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const SUFFIX = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
function quantity(q) {
  const m = QUANTITY.exec(String(q));
  if (!m) return NaN;
  const factor = !m[2] ? 1 : SUFFIX[m[2]] ?? 10 ** Number(m[2].slice(1));
  return Number(m[1]) * factor;
}

function checkRules(items) {
  const byKind = (kind) => items.filter((it) => it.doc.kind === kind);
  const find = (kind, name) => items.find((it) => it.doc.kind === kind && it.doc.metadata?.name === name);
  const labelsMatch = (selector, labels) => selector && Object.keys(selector).length > 0
    && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
  const problem = (it, message) => fail(it.origin ?? it.file, id(it.doc), message);

  // Duplicates: kustomize refuses two resources with the same kind, namespace and name.
  const seen = new Map();
  for (const it of items) {
    const key = `${it.doc.apiVersion}|${it.doc.kind}|${it.doc.metadata?.namespace ?? ""}|${it.doc.metadata?.name}`;
    if (seen.has(key)) problem(it, `duplicate of the resource in ${seen.get(key)}`);
    else seen.set(key, it.origin ?? it.file);
  }

  for (const it of items) {
    const md = it.doc.metadata ?? {};
    if (!md.name || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(md.name) || md.name.length > 253) problem(it, `metadata.name '${md.name}' is not a valid name`);
    if (it.doc.kind === "Service" && !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(md.name ?? "")) problem(it, "a Service's name must be a DNS label");
    if (!CLUSTER_SCOPED.has(it.doc.kind) && md.namespace !== NAMESPACE) problem(it, `namespace is '${md.namespace}', not ${NAMESPACE}`);
  }

  const configMaps = new Map(byKind("ConfigMap").map((it) => [it.doc.metadata.name, it.doc.data ?? {}]));
  const secrets = new Map(byKind("Secret").map((it) => [it.doc.metadata.name, {
    ...Object.fromEntries(Object.entries(it.doc.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), "base64").toString("utf8")])),
    ...(it.doc.stringData ?? {}),
  }]));

  // Secrets and ConfigMaps: never a private key; Secrets in the repository hold placeholders only.
  for (const it of [...byKind("Secret"), ...byKind("ConfigMap")]) {
    const values = it.doc.kind === "Secret" ? secrets.get(it.doc.metadata.name) : { ...(it.doc.data ?? {}), ...(it.doc.binaryData ?? {}) };
    for (const [k, v] of Object.entries(values)) {
      if (/PRIVATE KEY/i.test(k) || /PRIVATE KEY/i.test(String(v))) problem(it, `key '${k}' holds a private key`);
      if (it.doc.kind === "Secret" && !String(v).includes("REPLACE-")) problem(it, `key '${k}' is not a REPLACE-... placeholder: real secrets are not committed`);
    }
  }

  // A pod's effective environment: envFrom in order, then env; references must exist.
  function environment(it, container) {
    const env = new Map();
    for (const from of container.envFrom ?? []) {
      const ref = from.configMapRef ?? from.secretRef;
      const store = from.configMapRef ? configMaps : secrets;
      const what = from.configMapRef ? "ConfigMap" : "Secret";
      if (!ref) continue;
      if (!store.has(ref.name)) {
        if (!ref.optional) problem(it, `container ${container.name}: envFrom ${what} '${ref.name}' does not exist`);
        continue;
      }
      for (const [k, v] of Object.entries(store.get(ref.name))) env.set((from.prefix ?? "") + k, { value: v, source: `${what}/${ref.name}` });
    }
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
      if (ref) {
        const store = e.valueFrom.configMapKeyRef ? configMaps : secrets;
        if (!store.get(ref.name)?.[ref.key] && !ref.optional) problem(it, `container ${container.name}: env ${e.name} refers to ${ref.name}/${ref.key}, which does not exist`);
        env.set(e.name, { value: store.get(ref.name)?.[ref.key], source: `${ref.name}/${ref.key}` });
      } else env.set(e.name, { value: e.value, source: "env" });
    }
    // Arguments override the environment (the command line is the host's last configuration source).
    for (const a of container.args ?? []) {
      const m = /^--([^=]+)=(.*)$/.exec(a);
      if (m) env.set(m[1].replace(/:/g, "__"), { value: m[2], source: "args" });
    }
    return env;
  }
  function checkVolumes(it, spec) {
    for (const v of spec.volumes ?? []) {
      if (v.secret && !secrets.has(v.secret.secretName) && !v.secret.optional) problem(it, `volume ${v.name}: Secret '${v.secret.secretName}' does not exist`);
      if (v.configMap && !configMaps.has(v.configMap.name) && !v.configMap.optional) problem(it, `volume ${v.name}: ConfigMap '${v.configMap.name}' does not exist`);
    }
  }
  function checkNoIssuerKey(it, spec) {
    // No pod holds, mounts or names the issuer's private key.
    const text = JSON.stringify(spec);
    const m = ISSUER_PRIVATE.exec(text);
    if (m) problem(it, `the pod refers to the issuer's private key ('${m[0]}'): only the public key belongs in the platform`);
    for (const c of spec.containers ?? []) {
      const env = environment(it, c);
      for (const [k, v] of env) {
        if (ISSUER_PRIVATE.test(k) || ISSUER_PRIVATE.test(String(v.value ?? ""))) problem(it, `container ${c.name}: ${k} (from ${v.source}) refers to the issuer's private key`);
      }
    }
  }

  const services = byKind("Service");
  const deployments = byKind("Deployment");
  const images = new Map();

  // A build with workloads is the platform and must be whole; one without (infrastructure/) is not held to that.
  const platformBuild = items.some((it) => ["Deployment", "Job"].includes(it.doc.kind));
  if (platformBuild) {
    for (const name of [...PLATFORM_SERVICES, ...WEB_APPS]) if (!find("Deployment", name)) fail("(build)", `Deployment/${name}`, "missing");
    for (const name of PLATFORM_SERVICES) if (!find("Job", `${name}-migrate`)) fail("(build)", `Job/${name}-migrate`, "missing");
  }

  for (const it of deployments) {
    const d = it.doc;
    const name = d.metadata.name;
    const platform = PLATFORM_SERVICES.includes(name);
    const spec = d.spec?.template?.spec ?? {};
    const podLabels = d.spec?.template?.metadata?.labels ?? {};
    const container = (spec.containers ?? []).find((c) => c.name === name) ?? spec.containers?.[0];
    if (!container) {
      problem(it, "no container");
      continue;
    }
    if (!labelsMatch(d.spec?.selector?.matchLabels, podLabels)) problem(it, "spec.selector does not match the pod template's labels");
    images.set(name, container.image);
    if (!/:[^:/]+$/.test(container.image ?? "") || /:latest$/.test(container.image)) problem(it, `image '${container.image}' needs an explicit version tag`);

    const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
    for (const p of platform ? ["grpc", "http"] : ["http"]) if (!ports.has(p)) problem(it, `container ${container.name} has no port named ${p}`);
    const env = environment(it, container);
    for (const p of ["grpc", "http"]) {
      const url = env.get(`Kestrel__Endpoints__${p}__Url`)?.value;
      if (ports.has(p) && (!url || !url.endsWith(`:${ports.get(p)}`))) problem(it, `Kestrel__Endpoints__${p}__Url (${url}) does not listen on the ${p} port ${ports.get(p)}`);
      const protocols = env.get(`Kestrel__Endpoints__${p}__Protocols`)?.value;
      if (ports.has(p) && protocols !== (p === "grpc" ? "Http2" : "Http1")) problem(it, `Kestrel__Endpoints__${p}__Protocols is ${protocols}, not ${p === "grpc" ? "Http2" : "Http1"}`);
    }

    const probe = (which, pathWanted) => {
      const pr = container[which];
      if (!pr?.httpGet) problem(it, `${which}: needs an httpGet probe on ${pathWanted}, port http`);
      else if (pr.httpGet.path !== pathWanted || pr.httpGet.port !== "http") {
        problem(it, `${which}: is ${pr.httpGet.path} on port ${pr.httpGet.port}, not ${pathWanted} on port http`);
      }
    };
    probe("readinessProbe", "/health");
    probe("livenessProbe", "/alive");
    probe("startupProbe", "/alive");

    const res = container.resources ?? {};
    for (const r of ["cpu", "memory"]) {
      const req = res.requests?.[r];
      const lim = res.limits?.[r];
      if (req === undefined || lim === undefined) problem(it, `resources: ${r} needs both a request and a limit`);
      else if (Number.isNaN(quantity(req)) || Number.isNaN(quantity(lim))) problem(it, `resources: ${r} '${req}'/'${lim}' is not a quantity`);
      else if (quantity(lim) < quantity(req)) problem(it, `resources: ${r} limit ${lim} is below its request ${req}`);
    }

    const sc = { ...(spec.securityContext ?? {}), ...(container.securityContext ?? {}) };
    if (sc.runAsNonRoot !== true) problem(it, "runAsNonRoot must be true");
    if (container.securityContext?.readOnlyRootFilesystem !== true) problem(it, "readOnlyRootFilesystem must be true");
    if (!(container.volumeMounts ?? []).some((m) => m.mountPath === "/tmp" && spec.volumes?.some((v) => v.name === m.name && v.emptyDir))) {
      problem(it, "needs an emptyDir on /tmp (the root filesystem is read-only)");
    }

    if (env.get("Database__Migrations")?.value !== "Verify") problem(it, `Database__Migrations is '${env.get("Database__Migrations")?.value}', not Verify: only the migration Job applies the schema`);
    if (platform && env.get("Database__OwnRole")?.value !== "false") problem(it, "Database__OwnRole must be false: the pods log in as the service's role");
    for (const from of container.envFrom ?? []) {
      if ((from.secretRef?.name ?? "").endsWith("-db-owner")) problem(it, `envFrom ${from.secretRef.name}: the schema owner's login belongs to the migration Job only`);
    }
    for (const e of container.env ?? []) {
      if ((e.valueFrom?.secretKeyRef?.name ?? "").endsWith("-db-owner")) problem(it, `env ${e.name}: the schema owner's login belongs to the migration Job only`);
    }
    checkVolumes(it, spec);
    checkNoIssuerKey(it, spec);

    // Service discovery: every services__{name}__{endpoint}__N names a Service and one of its ports; with AllAddresses
    // the Service must be headless (its name resolves to the pods), without it a ClusterIP Service (a headless name
    // would pin each caller to whichever pod the connection reached).
    const allAddresses = env.get("ServiceDiscovery__AllAddresses")?.value === "true";
    for (const [k, v] of env) {
      const m = /^services__([^_]+)__([^_]+)__\d+$/.exec(k);
      if (!m) continue;
      let url;
      try {
        url = new URL(v.value);
      } catch {
        problem(it, `${k}: '${v.value}' is not a URL`);
        continue;
      }
      const host = url.hostname.replace(new RegExp(`\\.${NAMESPACE}(\\.svc(\\.cluster\\.local)?)?$`), "");
      const target = services.find((s) => s.doc.metadata.name === host);
      if (!target) {
        problem(it, `${k}: no Service '${host}' in the build`);
        continue;
      }
      const port = (target.doc.spec?.ports ?? []).find((p) => p.port === Number(url.port || 80));
      if (!port) problem(it, `${k}: Service ${host} has no port ${url.port}`);
      else if (port.name !== m[2]) problem(it, `${k}: port ${url.port} of Service ${host} is '${port.name}', not '${m[2]}'`);
      const headless = target.doc.spec?.clusterIP === "None";
      if (allAddresses && !headless) problem(it, `${k}: ServiceDiscovery__AllAddresses=true needs a headless Service, and ${host} is not: HTTP/2 would pin every call to one pod`);
      if (!allAddresses && headless) problem(it, `${k}: ${host} is headless but ServiceDiscovery__AllAddresses is not true: each caller would stick to one pod`);
    }

    // The Service, the headless Service, the PDB and one autoscaler.
    const selecting = services.filter((s) => labelsMatch(s.doc.spec?.selector, podLabels));
    const clusterIp = selecting.filter((s) => s.doc.spec?.clusterIP !== "None");
    const headless = selecting.filter((s) => s.doc.spec?.clusterIP === "None");
    if (!clusterIp.length) problem(it, "no Service selects its pods");
    if (platform && !headless.length) problem(it, "no headless Service (clusterIP: None) selects its pods: callers cannot balance per call");
    for (const s of headless) if (s.doc.spec?.publishNotReadyAddresses) problem(s, "publishNotReadyAddresses must be false: callers would call unready pods");
    for (const s of selecting) {
      for (const p of s.doc.spec?.ports ?? []) {
        if (typeof p.targetPort === "string" && !ports.has(p.targetPort)) problem(s, `port ${p.name}: targetPort '${p.targetPort}' is not a port of ${name}'s container`);
        if (p.name === "grpc" && p.appProtocol !== "kubernetes.io/h2c") problem(s, "port grpc: appProtocol must be kubernetes.io/h2c (gRPC without TLS)");
      }
    }
    const pdbs = byKind("PodDisruptionBudget").filter((p) => labelsMatch(p.doc.spec?.selector?.matchLabels, podLabels));
    if (!pdbs.length) problem(it, "no PodDisruptionBudget selects its pods");
    for (const p of pdbs) {
      if (typeof p.doc.spec?.minAvailable === "number" && p.doc.spec.minAvailable >= (d.spec?.replicas ?? 1)) {
        problem(p, `minAvailable ${p.doc.spec.minAvailable} with ${d.spec?.replicas ?? 1} replicas would block every node drain`);
      }
    }
    const targets = (kind) => byKind(kind).filter((h) => h.doc.spec?.scaleTargetRef?.name === name && (h.doc.spec.scaleTargetRef.kind ?? "Deployment") === "Deployment");
    const hpas = targets("HorizontalPodAutoscaler");
    const scaled = targets("ScaledObject");
    if (hpas.length && scaled.length) problem(it, "has both a HorizontalPodAutoscaler and a KEDA ScaledObject: KEDA creates its own HPA and the two would fight; put CPU in the ScaledObject");
    if (platform && !hpas.length && !scaled.length) problem(it, "no HorizontalPodAutoscaler or ScaledObject targets it");
    if (hpas.length + scaled.length > 1 && !(hpas.length && scaled.length)) problem(it, "more than one autoscaler targets it");
  }

  for (const it of byKind("HorizontalPodAutoscaler")) {
    if (!find("Deployment", it.doc.spec?.scaleTargetRef?.name)) problem(it, `scaleTargetRef ${it.doc.spec?.scaleTargetRef?.name} is not a Deployment in the build`);
    if ((it.doc.spec?.minReplicas ?? 1) < 2) problem(it, "minReplicas must be at least 2");
  }
  for (const it of byKind("ScaledObject")) {
    const s = it.doc.spec ?? {};
    const target = s.scaleTargetRef?.name;
    if (!find("Deployment", target)) problem(it, `scaleTargetRef ${target} is not a Deployment in the build`);
    if ((s.minReplicaCount ?? 0) < 2) problem(it, "minReplicaCount must be at least 2");
    if (!(s.triggers ?? []).some((t) => t.type === "cpu" && t.metricType === "Utilization")) {
      problem(it, "needs a cpu trigger (metricType Utilization): the ScaledObject replaces the Deployment's CPU HPA");
    }
    for (const t of (s.triggers ?? []).filter((t) => t.type === "rabbitmq")) {
      const q = t.metadata?.queueName ?? "";
      if (!q.startsWith(`${target}-`)) problem(it, `rabbitmq trigger: queue '${q}' is not one of ${target}'s ("${target}-{handler}")`);
      if (t.metadata?.protocol !== "amqp" || t.metadata?.mode !== "QueueLength") problem(it, `rabbitmq trigger ${q}: protocol amqp and mode QueueLength expected`);
      if (!find("TriggerAuthentication", t.authenticationRef?.name)) problem(it, `rabbitmq trigger ${q}: TriggerAuthentication '${t.authenticationRef?.name}' does not exist`);
    }
  }
  for (const it of byKind("TriggerAuthentication")) {
    for (const r of it.doc.spec?.secretTargetRef ?? []) {
      if (secrets.get(r.name)?.[r.key] === undefined) problem(it, `secretTargetRef ${r.parameter}: ${r.name}/${r.key} does not exist`);
    }
  }

  for (const it of byKind("Job")) {
    const spec = it.doc.spec?.template?.spec ?? {};
    const podLabels = it.doc.spec?.template?.metadata?.labels ?? {};
    for (const c of spec.containers ?? []) {
      const env = environment(it, c);
      if (env.get("Database__Migrations")?.value !== "Only") problem(it, `container ${c.name}: Database__Migrations is '${env.get("Database__Migrations")?.value}', not Only`);
      if (env.get("Database__OwnRole")?.value !== "true") problem(it, `container ${c.name}: Database__OwnRole must be true: the Job creates the service's role`);
      if (!env.has("Database__ServiceRolePassword")) problem(it, `container ${c.name}: no Database__ServiceRolePassword: the role would get a password the pods do not know`);
      const service = PLATFORM_SERVICES.find((s) => it.doc.metadata.name === `${s}-migrate`);
      if (service && images.get(service) && c.image !== images.get(service)) problem(it, `image ${c.image} is not the Deployment's ${images.get(service)}: it would migrate another version's schema`);
    }
    if (it.doc.spec?.backoffLimit === undefined) problem(it, "needs a backoffLimit");
    if (it.doc.spec?.ttlSecondsAfterFinished === undefined) problem(it, "needs ttlSecondsAfterFinished");
    for (const s of services) if (labelsMatch(s.doc.spec?.selector, podLabels)) problem(it, `Service ${s.doc.metadata.name} selects the migration's pod`);
    checkVolumes(it, spec);
    checkNoIssuerKey(it, spec);
  }
}

// ---------------------------------------------------------------------------------------------------------------

// The schemas type requests and limits as free maps, but the API server takes only standard resource names there
// (cpu, memory, ...) or a qualified extended one (example.com/gpu): "memroy" would be refused at apply.
const RESOURCE_NAME = /^(cpu|memory|ephemeral-storage|storage|hugepages-[0-9]+[KMG]i?|[a-z0-9.-]+\/[A-Za-z0-9._-]+)$/;
function resourceNameErrors(node, pointer = "") {
  if (node === null || typeof node !== "object") return [];
  const out = [];
  for (const [k, v] of Object.entries(node)) {
    const here = `${pointer}/${k}`;
    if (k === "resources" && v && typeof v === "object" && !Array.isArray(v)) {
      for (const which of ["requests", "limits"]) {
        for (const [name, q] of Object.entries(v[which] ?? {})) {
          if (!RESOURCE_NAME.test(name)) out.push(`${here}/${which}/${name}: not a resource name`);
          else if (Number.isNaN(quantity(q))) out.push(`${here}/${which}/${name}: '${q}' is not a quantity`);
        }
      }
    }
    out.push(...resourceNameErrors(v, here));
  }
  return out;
}

async function validateDocument(it) {
  const { apiVersion, kind } = it.doc;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion and kind are required"];
  const messages = resourceNameErrors(it.doc);
  if (apiVersion === "rabbitmq.com/v1beta1" && kind === "RabbitmqCluster") return [...messages, ...(await validateRabbitmqCluster(it.doc))];
  const model = await modelFor(apiVersion, kind);
  if (!model) return [...messages, `unknown apiVersion/kind ${apiVersion} ${kind}: no schema to check it against`];
  return [...messages, ...(await validateModel(model, it.doc))];
}

function findKustomizations(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules" && entry.name !== "validate") {
      out.push(...findKustomizations(path.join(dir, entry.name)));
    }
  }
  if (kustomizationFile(dir)) out.unshift(dir);
  return out;
}

async function main() {
  // --build <dir>: print what a kustomization builds to (as `kustomize build` would, for the features supported).
  if (process.argv[2] === "--build") {
    const dir = path.resolve(process.argv[3] ?? ".");
    const items = build(dir, dir);
    process.stdout.write(items.map((it) => YAML.stringify(it.doc, { version: "1.1" })).join("---\n"));
    for (const f of failures) console.error(`FAIL ${f.file} ${f.resource}: ${f.message}`);
    process.exit(failures.length ? 1 : 0);
  }
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), ".."));
  if (!fs.existsSync(root)) {
    console.error(`no such folder: ${root}`);
    process.exit(2);
  }
  const builds = findKustomizations(root);
  if (!builds.length) fail(path.relative(process.cwd(), root) || ".", "-", "no kustomization.yaml found");
  for (const dir of builds) {
    const rel = path.relative(root, dir) || ".";
    const before = failures.length;
    const items = build(dir, root);
    const byFile = new Map();
    for (const it of items) {
      const key = it.origin ?? it.file;
      if (!byFile.has(key)) byFile.set(key, []);
      byFile.get(key).push(it);
    }
    for (const it of items) {
      const messages = await validateDocument(it);
      for (const m of messages) fail(it.origin ?? it.file, id(it.doc), m);
    }
    checkRules(items);
    const mine = failures.slice(before);
    const kfile = path.relative(root, kustomizationFile(dir));
    const kBad = mine.filter((f) => f.file === kfile);
    console.log(`${kBad.length ? "FAIL" : "ok  "} ${rel}: ${kfile} (kustomization: ${items.length} documents)`);
    for (const f of kBad) console.log(`       ${f.resource}: ${f.message}`);
    for (const [file, docs] of byFile) {
      const bad = mine.filter((f) => f.file === file);
      const patched = docs.some((d) => d.patched) ? ", patched" : "";
      console.log(`${bad.length ? "FAIL" : "ok  "} ${rel}: ${file} (${docs.length} document${docs.length === 1 ? "" : "s"}${patched})`);
      for (const f of bad) console.log(`       ${f.resource}: ${f.message}`);
      const badResources = new Set(bad.map((f) => f.resource));
      documentsValid += docs.filter((d) => !badResources.has(id(d.doc))).length;
    }
    for (const f of mine.filter((f) => !byFile.has(f.file) && f.file !== kfile)) console.log(`FAIL ${rel}: ${f.file} ${f.resource}: ${f.message}`);
  }
  console.log(`kubernetes manifests: ${documentsValid} documents valid, ${failures.length} failures`);
  process.exit(failures.length ? 1 : 0);
}

await main();
