"""Train an ensemble of direct EC networks on training-set files (the site's own ERT models).

The data side (merging training sets, forward-modelled ECa from the finest layering including the
layers below the target depth, grouped splits, scores in physical units) is numpy; the fitting
uses TensorFlow/Keras, imported only inside :func:`fit_member` — the plugin runs it in a child
Python process (emiai_qgis.child), so neither QGIS nor prediction ever loads TensorFlow.

Choices (issue #8; see README "Training your own model"):
- inputs log10 ECa (S/m) of all coils, outputs log10 EC of the target layers plus the half-space
  below the target depth (thickness-weighted mean conductivity of the extension layers down to its
  last edge), both standardised with statistics of the training rows only (no leakage);
- relative Gaussian ECa noise as augmentation (fresh seeded copies of the training rows) and on
  the validation/test inputs, so scores are for noisy data;
- train / validation / test split grouped by extraction location (or by profile), never by row:
  the models of one location are perturbations of one average and must not cross the split;
- each member: its own seed (initialisation, batch order, noise copies); early stopping on the
  validation loss with the best weights restored; MSE on standardised log10 targets.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .cascade import Dense
from .forward import forward_eca
from .instruments import as_coils
from .layering import resample_layers
from .networks import EnsembleModel, LogScaling, Mahalanobis

MS_PER_S = 1000.0


class TrainingError(ValueError):
    """Training data or settings that cannot give a model (with what to do about it)."""


@dataclass
class TrainingSettings:
    """Everything that decides a trained model (recorded in the model file).

    coils: EMagPy coil strings (with the instrument height) of the inputs, in order;
    forward_model: 'FSlin' | 'CS' | 'FSeq' for the training ECa; noise_relative: e.g. 0.03 = 3 %;
    hidden: hidden layer sizes; n_members: ensemble size; seed: master seed (member m uses
    seed + 1000 m); max_epochs, batch_size, learning_rate, patience: the fit; noise_copies: noisy
    copies of each training row per epoch set; group_by: 'location' | 'profile' for the split;
    validation_fraction / test_fraction: shares of the groups; min_groups: fewest groups accepted.
    """

    coils: tuple
    forward_model: str = "FSlin"
    noise_relative: float = 0.03
    hidden: tuple = (64, 64)
    n_members: int = 5
    seed: int = 0
    max_epochs: int = 300
    batch_size: int = 256
    learning_rate: float = 1e-3
    patience: int = 20
    noise_copies: int = 4
    group_by: str = "location"
    validation_fraction: float = 0.15
    test_fraction: float = 0.15
    min_groups: int = 6

    def __post_init__(self):
        self.coils = tuple(c.emagpy for c in as_coils(self.coils))
        self.hidden = tuple(int(h) for h in self.hidden)
        checks = [
            (0 <= self.noise_relative < 0.5, f"noise must be 0–50 %, got {self.noise_relative * 100:g} %"),
            (len(self.hidden) >= 1 and all(1 <= h <= 4096 for h in self.hidden),
             f"hidden layer sizes must be 1–4096, got {list(self.hidden)}"),
            (1 <= self.n_members <= 50, f"ensemble members must be 1–50, got {self.n_members}"),
            (1 <= self.max_epochs <= 100000, f"epochs must be ≥ 1, got {self.max_epochs}"),
            (1 <= self.batch_size, f"batch size must be ≥ 1, got {self.batch_size}"),
            (0 < self.learning_rate < 1, f"learning rate must be in (0, 1), got {self.learning_rate}"),
            (self.group_by in ("location", "profile"), f"group_by must be location or profile, got {self.group_by}"),
            (0 < self.validation_fraction < 0.5 and 0 <= self.test_fraction < 0.5,
             "validation and test shares must be below 50 %"),
            (self.noise_copies >= 1, "noise_copies must be ≥ 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise TrainingError(message + ".")

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


@dataclass
class TrainingData:
    """Rows of one or more training sets, ready for fitting: noise-free ECa (N, n_coils) S/m,
    target EC (N, L) S/m on ``layer_edges``, the half-space EC (N,) below the target depth, the
    group of each row (profile and location) and the coarse layerings of the sets."""

    eca: np.ndarray
    ec: np.ndarray
    ec_halfspace: np.ndarray
    layer_edges: np.ndarray
    halfspace_bottom_m: float
    groups: np.ndarray
    profiles: np.ndarray
    coarse_layerings: dict
    sources: list = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return int(len(self.ec))


def load_training_data(paths, coils, forward_model: str = "FSlin", progress=None) -> TrainingData:
    """Merge training-set files (the reference's aggregate step) and forward-model their ECa.

    Every file must have the same target layering; the ECa are computed from the target layers
    plus the extension below it (the last extension layer is the half-space), as the coils sense
    the whole ground. progress: callable(fraction) per block (it may raise to cancel)."""
    from .training_set import load_training_set

    sets = [load_training_set(p) for p in paths]
    if not sets:
        raise TrainingError("No training-set file given.")
    edges = sets[0].layerings[sets[0].target_name].edges
    for p, ts in zip(paths, sets):
        e = ts.layerings[ts.target_name].edges
        if len(e) != len(edges) or not np.allclose(e, edges):
            raise TrainingError(f"{p}: target layering {e.tolist()} differs from the first file's {edges.tolist()}; "
                                "merge only training sets generated with the same LAYER_EDGES.")
    eca, ec, hs, groups, profiles, sources = [], [], [], [], [], []
    coils = as_coils(coils)
    _check_depth_of_models(sets[0], coils, paths[0])
    total = sum(ts.n_models for ts in sets)
    done = 0
    bottom = None
    for i, (p, ts) in enumerate(zip(paths, sets)):
        full, full_edges = ts.full_model(ts.target_name)
        n_t = len(edges) - 1
        if full.shape[1] > n_t:  # the deep extension: one half-space layer from the target depth down
            bottom_i = float(full_edges[-1]) if full_edges[-1] > edges[-1] else float(2 * edges[-1])
            hs_i = resample_layers(full[:, n_t:], full_edges[n_t:], [edges[-1], bottom_i])[:, 0]
        else:  # no extension: the deepest target layer continues below (the reference's assumption)
            bottom_i, hs_i = float(2 * edges[-1]), full[:, -1].copy()
        bottom = bottom_i if bottom is None else min(bottom, bottom_i)
        out = np.empty((ts.n_models, len(coils)))
        for a in range(0, ts.n_models, 20000):
            out[a:a + 20000] = forward_eca(full[a:a + 20000], full_edges, coils, forward_model)
            if progress is not None:
                progress((done + min(a + 20000, ts.n_models)) / total)
        done += ts.n_models
        eca.append(out)
        ec.append(ts.ec[ts.target_name])
        hs.append(hs_i)
        key = ts.profile if i == 0 else np.char.add(f"{i}:", ts.profile.astype(str))
        groups.append(np.char.add(np.char.add(np.asarray(key, str), "#"), ts.location_id.astype(str)))
        profiles.append(ts.profile.astype(str))
        sources.append({"path": str(p), "n_models": ts.n_models, "profiles": sorted(set(ts.profile.tolist())),
                        "settings_seed": ts.settings.get("SEED")})
    coarse = {}
    for name in sets[0].target_names:
        if name != sets[0].target_name:
            coarse[name] = sets[0].layerings[name].edges
    data = TrainingData(np.vstack(eca), np.vstack(ec), np.concatenate(hs), np.asarray(edges, float), float(bottom),
                        np.concatenate(groups), np.concatenate(profiles), coarse, sources)
    bad = ~np.all(np.isfinite(data.eca) & (data.eca > 0), axis=1)
    if bad.any():
        raise TrainingError(f"{int(bad.sum())} training model(s) give ECa ≤ 0 or NaN with {forward_model} "
                            f"(first row {int(np.flatnonzero(bad)[0])}); use FSlin or CS.")
    return data


MAX_SIGNAL_BELOW_MODELS = 0.3  # largest share of a coil's (CS) signal allowed from below the models' layers


def _check_depth_of_models(ts, coils, path):
    """Refuse coils that sense mostly below the layered part of the training models: below the
    last edge the models only continue their deepest layer (a half-space), so such a network would
    learn the prior, not the ground."""
    from .forward import cs_cumulative

    full_edges = ts.full_model(ts.target_name)[1]
    bottom = float(full_edges[-2])  # the top of the half-space
    for c in coils:
        below = float(cs_cumulative((bottom + c.height) / c.coil_spacing, c.orientation))
        if below > MAX_SIGNAL_BELOW_MODELS:
            raise TrainingError(
                f"{path}: coil {c.emagpy} takes {100 * below:.0f} % of its signal from below {bottom:g} m, where the "
                f"training models have no layers (only their deepest value continued). Generate training models "
                f"reaching deeper (DEEP_LAYER_EDGES, to about {1.5 * c.coil_spacing + 1.0:.0f} m) or choose "
                "coils with a smaller spacing.")


def profile_group(profile: str) -> str:
    """Sibling profiles share a group when held out: 'B2_1' and 'B2_2' -> 'B2' (the part before the
    last '_'), any other name -> itself."""
    head, sep, tail = str(profile).rpartition("_")
    return head if sep and tail.isdigit() and head else str(profile)


def split_groups(groups, validation_fraction: float, test_fraction: float, seed: int, min_groups: int = 6):
    """Boolean masks (train, validation, test) of the rows, splitting whole groups.

    Groups are shuffled with ``seed`` and assigned in order until each share of the rows is
    reached; raises TrainingError when there are too few groups for the split."""
    groups = np.asarray(groups)
    names, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    need = 1 + (validation_fraction > 0) + (test_fraction > 0)
    if len(names) < max(min_groups, need):
        raise TrainingError(f"The training data hold {len(names)} group(s) ({', '.join(names[:8])}…) but a grouped "
                            f"split needs at least {max(min_groups, need)}: generate more extraction locations "
                            "(NEXTRACTION_RANGE) or more profiles.")
    order = np.random.default_rng(seed).permutation(len(names))
    n = counts.sum()
    role = np.zeros(len(names), dtype=np.int8)  # 0 train, 1 validation, 2 test
    acc_test = acc_val = 0
    for g in order:
        if acc_test < test_fraction * n:
            role[g], acc_test = 2, acc_test + counts[g]
        elif acc_val < validation_fraction * n:
            role[g], acc_val = 1, acc_val + counts[g]
    if not np.any(role == 0):
        raise TrainingError("No group is left for training after the validation and test shares: lower them.")
    r = role[inverse]
    return r == 0, r == 1, r == 2


def _noisy(eca, relative, rng):
    return eca * (1.0 + relative * rng.standard_normal(eca.shape)) if relative > 0 else eca.copy()


def _positive(eca):
    # relative noise of a few % cannot make ECa negative in practice; guard the log anyway
    return np.maximum(eca, 1e-6)


def grouped_split(data: TrainingData, settings: TrainingSettings):
    """(group label of every row, (train, validation, test) masks) as train_ensemble splits."""
    labels = data.groups if settings.group_by == "location" else np.array([profile_group(p) for p in data.profiles])
    return labels, split_groups(labels, settings.validation_fraction, settings.test_fraction, settings.seed,
                                settings.min_groups)


def fit_member(x_train, y_train, x_val, y_val, settings: TrainingSettings, seed: int, progress=None,
               should_stop=None):
    """Fit one Keras MLP (standardised log10 in → standardised log10 out); returns (list of Dense,
    history dict, best epoch). progress(epoch, logs) after each epoch; should_stop() -> True stops."""
    import keras  # the only TensorFlow/Keras import: this runs in the training child process
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    try:
        tf.config.experimental.enable_op_determinism()
    except (AttributeError, RuntimeError):  # older TF, or already set
        pass
    model = keras.Sequential([keras.Input((x_train.shape[1],))]
                             + [keras.layers.Dense(h, activation="relu") for h in settings.hidden]
                             + [keras.layers.Dense(y_train.shape[1], activation="linear")])
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate), loss="mse")

    class _Hook(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if progress is not None:
                progress(epoch, logs or {})
            if should_stop is not None and should_stop():
                self.model.stop_training = True

    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=settings.patience, restore_best_weights=True)
    hist = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=settings.max_epochs,
                     batch_size=settings.batch_size, shuffle=True, verbose=0, callbacks=[stop, _Hook()])
    layers = []
    for lay in model.layers:
        k, b = lay.get_weights()
        layers.append(Dense(k.astype(np.float64), b.astype(np.float64), lay.get_config()["activation"]))
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    best = int(np.argmin(history["val_loss"])) if history.get("val_loss") else len(history.get("loss", [])) - 1
    return layers, history, best


def layer_scores(ec_true, ec_pred) -> dict:
    """Per-layer scores of predicted vs true EC (N, L) in S/m: log10 RMSE, MAE and bias in mS/m, R²."""
    lt, lp = np.log10(ec_true), np.log10(ec_pred)
    err = (ec_pred - ec_true) * MS_PER_S
    ss_res = np.sum((ec_pred - ec_true) ** 2, axis=0)
    ss_tot = np.sum((ec_true - ec_true.mean(axis=0)) ** 2, axis=0)
    return {
        "log10_rmse": np.sqrt(np.mean((lp - lt) ** 2, axis=0)).tolist(),
        "mae_mS_m": np.mean(np.abs(err), axis=0).tolist(),
        "bias_mS_m": np.mean(err, axis=0).tolist(),
        "r2": (1.0 - ss_res / np.where(ss_tot > 0, ss_tot, np.nan)).tolist(),
        "log10_rmse_all": float(np.sqrt(np.mean((lp - lt) ** 2))),
        "mae_mS_m_all": float(np.mean(np.abs(err))),
    }


def train_ensemble(data: TrainingData, settings: TrainingSettings, progress=None, should_stop=None, log=None):
    """Train ``settings.n_members`` direct networks on ``data``; returns (EnsembleModel, report,
    evaluation): the report is JSON-serialisable, evaluation holds the arrays of the evaluation rows
    (ec_true / ec_pred (n, L+1) S/m with the half-space last, spread_log10, misfit_pct, eca, profiles).

    progress(fraction, message) is called during the fit; should_stop() -> True cancels (raises
    TrainingError); log(message) receives notes for the user. The report (JSON-serialisable) has
    the split, each member's history, and scores on the grouped test split (or validation split
    when test_fraction is 0): per layer, for the ensemble, and the data misfit."""
    t0 = time.time()
    say = log or (lambda m: None)
    split_groups_of, (train, val, test) = grouped_split(data, settings)
    n_tr = int(train.sum())
    if n_tr < 50:
        raise TrainingError(f"Only {n_tr} training rows after the grouped split: generate more models (NMODELS).")
    say(f"Grouped split by {settings.group_by}: {n_tr} training, {int(val.sum())} validation, "
        f"{int(test.sum())} test rows ({len(np.unique(split_groups_of))} groups).")
    y_all = np.hstack([data.ec, data.ec_halfspace[:, None]])
    rng0 = np.random.default_rng(settings.seed)
    eca_val = _positive(_noisy(data.eca[val], settings.noise_relative, rng0))
    eval_mask = test if test.any() else val
    eca_eval = _positive(_noisy(data.eca[eval_mask], settings.noise_relative, rng0))
    # scalers from the training rows only (noisy, as the network sees them)
    eca_tr_noisy = _positive(_noisy(data.eca[train], settings.noise_relative, rng0))
    scaler_in = LogScaling.fit(eca_tr_noisy)
    scaler_out = LogScaling.fit(y_all[train])
    ood = Mahalanobis.fit(scaler_in.transform(eca_tr_noisy))
    x_val, y_val = scaler_in.transform(eca_val), scaler_out.transform(y_all[val])
    members, histories, seeds, best_epochs = [], [], [], []
    for m in range(settings.n_members):
        seed_m = settings.seed + 1000 * m
        rng = np.random.default_rng(seed_m)
        reps = [_positive(_noisy(data.eca[train], settings.noise_relative, rng)) for _ in range(settings.noise_copies)]
        x_tr = scaler_in.transform(np.vstack(reps))
        y_tr = np.tile(scaler_out.transform(y_all[train]), (settings.noise_copies, 1))

        def on_epoch(epoch, logs, m=m):
            if progress is not None:
                frac = (m + min(epoch + 1, settings.max_epochs) / settings.max_epochs) / settings.n_members
                loss, val_loss = logs.get("loss", math.nan), logs.get("val_loss", math.nan)
                progress(frac, f"member {m + 1}/{settings.n_members} epoch {epoch + 1}: "
                               f"loss {loss:.4f}, validation {val_loss:.4f}")

        layers, history, best = fit_member(x_tr, y_tr, x_val, y_val, settings, seed_m, on_epoch, should_stop)
        if should_stop is not None and should_stop():
            raise TrainingError("Training was cancelled.")
        members.append(layers)
        histories.append(history)
        seeds.append(seed_m)
        best_epochs.append(best)
        say(f"Member {m + 1}/{settings.n_members} (seed {seed_m}): best epoch {best + 1} of "
            f"{len(history.get('loss', []))}, validation loss {min(history.get('val_loss', [math.nan])):.4f}.")
    lo = float(y_all[train].min()) / 2.0
    hi = float(y_all[train].max()) * 2.0
    model = EnsembleModel(settings.coils, data.layer_edges, scaler_in, scaler_out, members, ood,
                          settings.forward_model, settings.noise_relative, (max(lo, 1e-5), min(hi, 100.0)),
                          dict(data.coarse_layerings), {})
    pred = model.predict_layers(eca_eval)
    ec_pred = np.hstack([pred.ec[0], pred.ec_halfspace[:, None]])
    scores = layer_scores(y_all[eval_mask][:, :-1], ec_pred[:, :-1])
    scores["halfspace"] = layer_scores(y_all[eval_mask][:, -1:], ec_pred[:, -1:])
    member_scores = []
    for logs in model.member_log10(eca_eval):
        member_scores.append(layer_scores(y_all[eval_mask][:, :-1], 10.0 ** logs[:, :-1])["log10_rmse_all"])
    fwd_edges = np.r_[data.layer_edges, data.halfspace_bottom_m]
    eca_fit = forward_eca(ec_pred, fwd_edges, settings.coils, settings.forward_model)
    misfit = 100.0 * np.sqrt(np.mean(((eca_fit - eca_eval) / eca_eval) ** 2, axis=1))
    spread = pred.ec_std_log10[0] if pred.ec_std_log10 else np.zeros_like(pred.ec[0])
    abs_err = np.abs(np.log10(pred.ec[0]) - np.log10(y_all[eval_mask][:, :-1]))
    report = {
        "architecture": "direct",
        "settings": settings.to_json(),
        "rows": {"total": data.n_rows, "train": n_tr, "validation": int(val.sum()), "test": int(test.sum())},
        "evaluated_on": "test" if test.any() else "validation",
        "groups": {"train": sorted(set(split_groups_of[train].tolist()))[:200],
                   "validation": sorted(set(split_groups_of[val].tolist()))[:200],
                   "test": sorted(set(split_groups_of[test].tolist()))[:200]},
        "member_seeds": seeds,
        "best_epochs": best_epochs,
        "histories": histories,
        "scores": scores,
        "member_log10_rmse": member_scores,
        "data_misfit_pct": {"median": float(np.median(misfit)), "p90": float(np.percentile(misfit, 90))},
        "noise_relative": settings.noise_relative,
        "spread_vs_error": {"median_spread_log10": float(np.median(spread)),
                            "median_abs_error_log10": float(np.median(abs_err))},
        "ood_threshold": ood.threshold,
        "eca_min_S_m": np.percentile(eca_tr_noisy, 0.05, axis=0).tolist(),
        "eca_max_S_m": np.percentile(eca_tr_noisy, 99.95, axis=0).tolist(),
        "seconds": round(time.time() - t0, 1),
        "sources": data.sources,
        "layer_edges": data.layer_edges.tolist(),
        "halfspace_bottom_m": data.halfspace_bottom_m,
    }
    model.metadata = {"member_seeds": seeds, "training": {k: report[k] for k in (
        "settings", "rows", "evaluated_on", "scores", "data_misfit_pct", "eca_min_S_m", "eca_max_S_m",
        "sources", "halfspace_bottom_m", "best_epochs")}}  # no timing: same seed, same bytes
    evaluation = {"ec_true": y_all[eval_mask], "ec_pred": ec_pred, "spread_log10": spread, "misfit_pct": misfit,
                  "eca": eca_eval, "profiles": data.profiles[eval_mask]}
    return model, json.loads(json.dumps(report)), evaluation


def train_cascade(data: TrainingData, settings: TrainingSettings, stage_edges=None, progress=None,
                  should_stop=None, log=None) -> dict:
    """The reference architecture for comparison: a cascade of networks (by default 4 → 6 → 12
    layers), each later stage fed with the CS forward response (VCP and HCP of the measured coil
    spacings, as the reference does) of the previous stage's predicted model — trained on the same
    grouped split, noise and log10 scaling as train_ensemble (one network per stage, seed
    settings.seed) and scored on the same evaluation rows. Returns the scores (as layer_scores) of
    the last stage plus the data misfit, and the per-stage validation losses."""
    from .instruments import Coil

    say = log or (lambda m: None)
    t0 = time.time()
    _, (train, val, test) = grouped_split(data, settings)
    eval_mask = test if test.any() else val
    if stage_edges is None:
        stage_edges = [data.coarse_layerings[k] for k in sorted(data.coarse_layerings, key=lambda k: len(
            data.coarse_layerings[k]))] + [data.layer_edges]
    stage_edges = [np.asarray(e, float) for e in stage_edges]
    base = as_coils(settings.coils)
    link = tuple(Coil(o, c.coil_spacing, c.frequency, c.height) for o in ("VCP", "HCP")
                 for c in dict((c.coil_spacing, c) for c in base).values())
    rng0 = np.random.default_rng(settings.seed)
    eca_val = _positive(_noisy(data.eca[val], settings.noise_relative, rng0))
    eca_eval = _positive(_noisy(data.eca[eval_mask], settings.noise_relative, rng0))
    eca_tr = [_positive(_noisy(data.eca[train], settings.noise_relative, np.random.default_rng(settings.seed + k)))
              for k in range(settings.noise_copies)]
    x_tr, x_val, x_eval = np.vstack(eca_tr), eca_val, eca_eval
    losses = []
    pred_eval = None
    for k, edges in enumerate(stage_edges):
        target = resample_layers(data.ec, data.layer_edges, edges)
        y_tr = np.tile(target[train], (settings.noise_copies, 1))
        s_in, s_out = LogScaling.fit(x_tr), LogScaling.fit(y_tr)
        layers, history, best = fit_member(
            s_in.transform(x_tr), s_out.transform(y_tr), s_in.transform(x_val), s_out.transform(target[val]),
            settings, settings.seed + 100 * k,
            None if progress is None else (lambda e, logs, k=k: progress(
                (k + min(e + 1, settings.max_epochs) / settings.max_epochs) / len(stage_edges),
                f"cascade stage {k + 1}/{len(stage_edges)} epoch {e + 1}")), should_stop)
        losses.append(min(history.get("val_loss", [math.nan])))

        def run(x, layers=layers, s_in=s_in, s_out=s_out):
            h = s_in.transform(x)
            for d in layers:
                h = d(h)
            return np.clip(10.0 ** s_out.inverse_log10(h), 1e-5, 100.0)

        pred_tr, pred_val, pred_eval = run(x_tr), run(x_val), run(x_eval)
        say(f"Cascade stage {k + 1}: {len(edges) - 1} layers, best epoch {best + 1}, validation loss {losses[-1]:.4f}.")
        if k + 1 < len(stage_edges):  # the next stage sees the CS response of this stage's prediction
            x_tr, x_val, x_eval = (forward_eca(p, edges, link, "CS") for p in (pred_tr, pred_val, pred_eval))
    true = data.ec[eval_mask]
    scores = layer_scores(true, pred_eval)
    full = np.hstack([pred_eval, pred_eval[:, -1:]])  # the cascade has no half-space output
    fit = forward_eca(full, np.r_[data.layer_edges, data.halfspace_bottom_m], settings.coils, settings.forward_model)
    misfit = 100.0 * np.sqrt(np.mean(((fit - eca_eval) / eca_eval) ** 2, axis=1))
    return {"architecture": "cascade", "stages": [len(e) - 1 for e in stage_edges],
            "link_coils": [c.emagpy for c in link], "scores": scores, "validation_losses": losses,
            "data_misfit_pct": {"median": float(np.median(misfit)), "p90": float(np.percentile(misfit, 90))},
            "seconds": round(time.time() - t0, 1)}


__all__ = ["TrainingData", "TrainingError", "TrainingSettings", "fit_member", "grouped_split", "layer_scores",
           "load_training_data", "profile_group", "split_groups", "train_cascade", "train_ensemble"]
