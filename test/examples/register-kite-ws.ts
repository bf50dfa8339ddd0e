// `node --import <build>/test/examples/register-kite-ws.js example.js`: installs resolve-kite-ws.js,
// which resolves "kite-ws" imports to the test build through package.json "exports".
import { register } from "node:module";

register("./resolve-kite-ws.js", import.meta.url);
