// imagegate/worker/host: the module Worker behind imagegate/worker. Import it (for its effect) from a worker
// script of your own, then pass that Worker (or its URL) as createWorkerClient({ worker }).
export {};
