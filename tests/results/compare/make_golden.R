# Golden numbers for msrwe.compare and the comparison statistics of msrwe.stats.
#
# Run from the repository root:  Rscript tests/results/compare/make_golden.R
# Reads cohort_a.csv and cohort_b.csv (written by make_data.py) and writes, beside them:
#   ps_<data>.csv                 propensity score and its logit (glm, binomial logit link)
#   match_<data>_<cfg>_units.csv  MatchIt nearest: per patient weight and subclass
#   match_<data>_<cfg>_pairs.csv  MatchIt nearest: the match matrix (treated id, slot, control id)
#   cox_<data>.csv                survival::coxph hazard ratios and (robust) SEs, several designs
#   nb_<data>.csv                 MASS::glm.nb rate ratios with model, sandwich and vcovCL SEs
#   smd_<data>.csv                SMDs and variance ratios as cobalt defines them (formula below)
#   rmst_<data>.csv               restricted mean survival time by arm (survival::survfit)
#   km_<data>.csv                 weighted Kaplan-Meier (survival::survfit with weights)
#   versions.csv                  R and package versions
# Tests in tests/compare read these files; they never need R.
suppressPackageStartupMessages({
  library(MatchIt); library(survival); library(MASS); library(sandwich)
})
here <- "tests/results/compare"
out <- function(df, name) write.csv(df, file.path(here, name), row.names = FALSE)
fmt <- treat ~ age + female + edss + duration + relapses2y
covs <- c("age", "female", "edss", "duration", "relapses2y")

# Not here: ratio > 1 WITH replacement. MatchIt 4.5.1 (the version installed) matches the same
# control several times to one treated patient in that case (MatchIt issue #159, fixed after
# 4.5.1), so tests/compare checks msrwe's k distinct nearest controls against a brute-force
# search instead.
configs <- list(
  r1_cal02 = list(ratio = 1, caliper = 0.2, replace = FALSE),
  r2_cal02 = list(ratio = 2, caliper = 0.2, replace = FALSE),
  r3_cal01 = list(ratio = 3, caliper = 0.1, replace = FALSE),
  r1_cal02_rep = list(ratio = 1, caliper = 0.2, replace = TRUE),
  r2_nocal = list(ratio = 2, caliper = NULL, replace = FALSE),
  r1_nocal = list(ratio = 1, caliper = NULL, replace = FALSE)
)

# cobalt's definitions (cobalt is not installed here, so its formulas are written out):
# - mean difference = weighted mean(treated) - weighted mean(control), weights sum-normalised;
# - denominator from the UNADJUSTED sample whatever the weights: the SD of the treated for ATT,
#   sqrt((var_treated + var_control) / 2) ("pooled") for ATE and overlap weights;
# - variance of a binary covariate p * (1 - p) (no n - 1); of a continuous one the usual n - 1;
# - variance ratio (continuous only) = weighted var(treated) / weighted var(control), with the
#   weighted variance sum(w (x - m)^2) * sum(w) / (sum(w)^2 - sum(w^2)).
wvar <- function(x, w) {
  w <- w / sum(w); m <- sum(w * x)
  sum(w * (x - m)^2) / (1 - sum(w^2))
}
wmean <- function(x, w) sum(w * x) / sum(w)
smd_rows <- function(d, w, denom, label) {
  t <- d$treat == 1
  rows <- lapply(covs, function(v) {
    x <- d[[v]]; binary <- all(x %in% c(0, 1))
    var_u <- function(s) if (binary) mean(x[s]) * (1 - mean(x[s])) else var(x[s])
    sd_den <- if (denom == "treated") sqrt(var_u(t)) else sqrt((var_u(t) + var_u(!t)) / 2)
    keep <- w > 0
    m1 <- wmean(x[t & keep], w[t & keep]); m0 <- wmean(x[!t & keep], w[!t & keep])
    vr <- if (binary) NA else wvar(x[t & keep], w[t & keep]) / wvar(x[!t & keep], w[!t & keep])
    data.frame(design = label, covariate = v, binary = binary, mean_treated = m1,
               mean_control = m0, smd = (m1 - m0) / sd_den, diff_raw = m1 - m0, vr = vr)
  })
  do.call(rbind, rows)
}

cox_row <- function(fit, label) {
  s <- summary(fit)$coefficients
  robust <- "robust se" %in% colnames(s)
  data.frame(design = label, term = rownames(s), coef = s[, "coef"], se = s[, "se(coef)"],
             robust_se = if (robust) s[, "robust se"] else NA, n = fit$n, events = fit$nevent)
}
nb_row <- function(fit, label, cluster = NULL) {
  cf <- coef(fit)
  v_cl <- if (is.null(cluster)) NA else sqrt(diag(vcovCL(fit, cluster = cluster)))
  v_cl0 <- if (is.null(cluster)) NA else sqrt(diag(vcovCL(fit, cluster = cluster, type = "HC0")))
  data.frame(design = label, term = names(cf), coef = cf, se = sqrt(diag(vcov(fit))),
             se_hc0 = sqrt(diag(sandwich(fit))), se_cl = v_cl, se_cl_hc0 = v_cl0,
             theta = fit$theta, n = length(fit$y))
}

for (name in c("a", "b")) {
  d <- read.csv(file.path(here, sprintf("cohort_%s.csv", name)))
  rownames(d) <- d$id
  ps_fit <- glm(fmt, data = d, family = binomial())
  out(data.frame(id = d$id, ps = fitted(ps_fit), logit_ps = predict(ps_fit, type = "link"),
                 coef_names = NA), sprintf("ps_%s.csv", name))
  out(data.frame(term = names(coef(ps_fit)), coef = coef(ps_fit),
                 se = sqrt(diag(vcov(ps_fit)))), sprintf("ps_coef_%s.csv", name))

  cox_rows <- list(); nb_rows <- list(); smd <- list()
  # Unadjusted and covariate-adjusted fits on the whole cohort.
  cox_rows[[length(cox_rows) + 1]] <- cox_row(coxph(Surv(time, event) ~ treat, data = d), "naive")
  cox_rows[[length(cox_rows) + 1]] <- cox_row(
    coxph(Surv(time, event) ~ treat, data = d, robust = TRUE), "naive_robust")
  cox_rows[[length(cox_rows) + 1]] <- cox_row(
    coxph(Surv(time, event) ~ treat + age + female + edss, data = d), "covariates")
  cox_rows[[length(cox_rows) + 1]] <- cox_row(
    coxph(Surv(time, event) ~ treat + age + edss, data = d, weights = ipw, cluster = cluster),
    "weighted_cluster")
  # The same without tied times (lifelines' robust SE equals R's exactly only without ties).
  du <- d; du$time <- du$time + du$id * 1e-6
  cox_rows[[length(cox_rows) + 1]] <- cox_row(
    coxph(Surv(time, event) ~ treat + age + edss, data = du, weights = ipw, cluster = cluster),
    "weighted_cluster_untied")
  zph_rows <- function(fit, label) {
    z <- cox.zph(fit, transform = "km")
    data.frame(design = label, term = rownames(z$table), chisq = z$table[, "chisq"],
               df = z$table[, "df"], p = z$table[, "p"])
  }
  out(rbind(
    zph_rows(coxph(Surv(time, event) ~ treat + age + edss, data = d), "tied"),
    zph_rows(coxph(Surv(time, event) ~ treat + age + edss, data = du), "untied"),
    zph_rows(coxph(Surv(time, event) ~ treat + age + edss, data = du, weights = ipw),
             "untied_weighted")
  ), sprintf("zph_%s.csv", name))

  nb_rows[[length(nb_rows) + 1]] <- nb_row(
    glm.nb(relapses ~ treat + offset(log(py)), data = d), "naive", cluster = ~id)
  nb_rows[[length(nb_rows) + 1]] <- nb_row(
    glm.nb(relapses ~ treat + age + relapses2y + offset(log(py)), data = d),
    "covariates_cluster", cluster = ~cluster)
  nb_rows[[length(nb_rows) + 1]] <- suppressWarnings(nb_row(
    glm.nb(relapses ~ treat + offset(log(py)), data = d, weights = ipw),
    "weighted_cluster", cluster = ~cluster))

  # IPTW: stabilised ATE weights and overlap weights from the glm PS.
  ps <- fitted(ps_fit); p1 <- mean(d$treat)
  d$w_ate <- ifelse(d$treat == 1, p1 / ps, (1 - p1) / (1 - ps))
  d$w_ato <- ifelse(d$treat == 1, 1 - ps, ps)
  d$w_att <- ifelse(d$treat == 1, 1, ps / (1 - ps))
  out(d[, c("id", "w_ate", "w_att", "w_ato")], sprintf("iptw_%s.csv", name))
  cox_rows[[length(cox_rows) + 1]] <- cox_row(
    coxph(Surv(time, event) ~ treat, data = d, weights = w_ate, cluster = id), "iptw_ate")
  nb_rows[[length(nb_rows) + 1]] <- suppressWarnings(nb_row(
    glm.nb(relapses ~ treat + offset(log(py)), data = d, weights = w_ate), "iptw_ate",
    cluster = ~id))
  smd[[length(smd) + 1]] <- smd_rows(d, rep(1, nrow(d)), "treated", "before_att")
  smd[[length(smd) + 1]] <- smd_rows(d, rep(1, nrow(d)), "pooled", "before_ate")
  smd[[length(smd) + 1]] <- smd_rows(d, d$w_ate, "pooled", "iptw_ate")
  smd[[length(smd) + 1]] <- smd_rows(d, d$w_ato, "pooled", "overlap")

  for (cfg in names(configs)) {
    a <- configs[[cfg]]
    m <- matchit(fmt, data = d, method = "nearest", distance = "glm", link = "linear.logit",
                 ratio = a$ratio, caliper = a$caliper, replace = a$replace)
    md <- match.data(m, data = d)
    sub <- if (is.null(m$subclass)) NA else as.integer(as.character(m$subclass[as.character(d$id)]))
    out(data.frame(id = d$id, treat = d$treat, weight = m$weights[as.character(d$id)],
                   subclass = sub), sprintf("match_%s_%s_units.csv", name, cfg))
    mm <- m$match.matrix
    pairs <- do.call(rbind, lapply(seq_len(ncol(mm)), function(j) {
      data.frame(treated = as.integer(rownames(mm)), slot = j, control = as.integer(mm[, j]))
    }))
    out(pairs[!is.na(pairs$control), ], sprintf("match_%s_%s_pairs.csv", name, cfg))
    md$w <- md$weights
    if (a$replace) {
      fit <- coxph(Surv(time, event) ~ treat, data = md, weights = w, cluster = id)
      nb <- suppressWarnings(glm.nb(relapses ~ treat + offset(log(py)), data = md, weights = w))
      nbr <- nb_row(nb, paste0("match_", cfg), cluster = ~id)
    } else {
      fit <- coxph(Surv(time, event) ~ treat, data = md, weights = w, cluster = subclass)
      nb <- suppressWarnings(glm.nb(relapses ~ treat + offset(log(py)), data = md, weights = w))
      nbr <- nb_row(nb, paste0("match_", cfg), cluster = ~subclass)
    }
    cox_rows[[length(cox_rows) + 1]] <- cox_row(fit, paste0("match_", cfg))
    nb_rows[[length(nb_rows) + 1]] <- nbr
    w_all <- m$weights[as.character(d$id)]
    smd[[length(smd) + 1]] <- smd_rows(d, w_all, "treated", paste0("match_", cfg))
  }
  out(do.call(rbind, cox_rows), sprintf("cox_%s.csv", name))
  out(do.call(rbind, nb_rows), sprintf("nb_%s.csv", name))
  out(do.call(rbind, smd), sprintf("smd_%s.csv", name))

  # RMST by arm up to tau = 3 years (unweighted), and weighted Kaplan-Meier survival.
  sf <- survfit(Surv(time, event) ~ treat, data = d)
  tab <- summary(sf, rmean = 3)$table
  out(data.frame(treat = c(0, 1), rmean = tab[, "rmean"], se = tab[, "se(rmean)"], tau = 3),
      sprintf("rmst_%s.csv", name))
  sw <- survfit(Surv(time, event) ~ treat, data = d, weights = w_ate)
  at <- c(0.5, 1, 2, 3, 4)
  s <- summary(sw, times = at, extend = TRUE)
  out(data.frame(treat = as.integer(sub("treat=", "", as.character(s$strata))), time = s$time,
                 surv = s$surv), sprintf("km_%s.csv", name))
  tabw <- summary(sw, rmean = 3)$table
  out(data.frame(treat = c(0, 1), rmean = tabw[, "rmean"], tau = 3),
      sprintf("rmst_weighted_%s.csv", name))
}
out(data.frame(package = c("R", "MatchIt", "survival", "MASS", "sandwich"),
               version = c(paste(R.version$major, R.version$minor, sep = "."),
                           as.character(packageVersion("MatchIt")),
                           as.character(packageVersion("survival")),
                           as.character(packageVersion("MASS")),
                           as.character(packageVersion("sandwich")))), "versions.csv")
