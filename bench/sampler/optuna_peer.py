"""Optuna side of the sampler benchmark: a JSON-lines server driven by bench/sampler/peer.ts.

Commands (one JSON object per line on stdin, one reply per line on stdout):
  {"cmd": "hello"}                                   -> {"optuna": version, "gp": null or why not}
  {"cmd": "study", "space": [...], "direction": d, "seed": s, "sampler": k,
   "multivariate": b, "constantLiar": b}             -> {}
     k: "tpe" (TPE with the given flags, the default), "tpe-defaults" (TPESampler with this
     version's own defaults: Optuna 5 made multivariate and constant liar its defaults) or "gp".
  {"cmd": "ask"}                                     -> {"number": n, "params": {...}}
  {"cmd": "tell", "number": n, "value": v}           -> {}
  {"cmd": "speed", "space": [...], "history": [{"params":..., "value":...}], "values": [...],
   "seed": s, "multivariate": b}                     -> {"wall": ms, "cpu": ms} per ask+tell
The objective is evaluated by the caller, so both samplers see identical problems and noise.
"""
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import optuna  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)


def distribution(param):
    kind = param["type"]
    if kind == "categorical":
        return optuna.distributions.CategoricalDistribution(param["values"])
    if kind == "int":
        return optuna.distributions.IntDistribution(
            param["min"], param["max"], log=param.get("log", False), step=param.get("step", 1))
    return optuna.distributions.FloatDistribution(
        param["min"], param["max"], log=param.get("log", False), step=param.get("step"))


def new_sampler(command):
    kind = command.get("sampler", "tpe")
    if kind == "gp":
        return optuna.samplers.GPSampler(seed=command["seed"])
    if kind == "tpe-defaults":
        return optuna.samplers.TPESampler(seed=command["seed"])
    return optuna.samplers.TPESampler(
        seed=command["seed"], multivariate=command["multivariate"], constant_liar=command.get("constantLiar", False))


def new_study(command):
    return optuna.create_study(direction=command.get("direction", "minimize"), sampler=new_sampler(command))


def gp_unavailable():
    """None where this Optuna's GPSampler runs here; else why not (it needs torch, >= 2 from 4.9)."""
    if not hasattr(optuna.samplers, "GPSampler"):
        return "no GPSampler before Optuna 3.6"
    try:
        study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=0, n_startup_trials=2))
        study.optimize(lambda trial: (trial.suggest_float("x", -1.0, 1.0) - 0.3) ** 2, n_trials=4)
        return None
    except Exception as error:  # noqa: BLE001 - any failure means the peer cannot offer it
        return f"{type(error).__name__}: {error}"


def speed(command, distributions):
    study = new_study(command)
    study.add_trials([
        optuna.trial.create_trial(params=entry["params"], distributions=distributions, value=entry["value"])
        for entry in command["history"]
    ])
    wall_start = time.perf_counter()
    cpu_start = time.process_time()
    for value in command["values"]:
        trial = study.ask(distributions)
        study.tell(trial, value)
    count = len(command["values"])
    return {"wall": (time.perf_counter() - wall_start) * 1000 / count,
            "cpu": (time.process_time() - cpu_start) * 1000 / count}


def main():
    study = None
    distributions = None
    pending = {}
    for line in sys.stdin:
        command = json.loads(line)
        kind = command["cmd"]
        reply = {}
        if kind == "hello":
            reply = {"optuna": optuna.__version__, "gp": gp_unavailable()}
        elif kind == "study":
            study = new_study(command)
            distributions = {p["name"]: distribution(p) for p in command["space"]}
            pending = {}
        elif kind == "ask":
            trial = study.ask(distributions)
            pending[trial.number] = trial
            reply = {"number": trial.number, "params": trial.params}
        elif kind == "tell":
            study.tell(pending.pop(command["number"]), command["value"])
        elif kind == "speed":
            distributions = {p["name"]: distribution(p) for p in command["space"]}
            reply = speed(command, distributions)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
