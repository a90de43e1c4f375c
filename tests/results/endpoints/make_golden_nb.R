# Negative binomial rate ratios on msrwe's derived demo counts (counts.csv, make_counts.py).
#   Rscript tests/results/endpoints/make_golden_nb.R
# Output nb_counts.csv: one row per outcome (relapses, t2) with the SPMS vs PPMS rate ratio from
# MASS::glm.nb(count ~ group + offset(log(years))), its model-based and sandwich (HC0) SEs,
# theta, and R and package versions.
suppressPackageStartupMessages({ library(MASS); library(sandwich) })
here <- "tests/results/endpoints"
d <- read.csv(file.path(here, "counts.csv"))
d$group <- factor(d$group, levels = c("PPMS", "SPMS"))
row <- function(outcome, count, years) {
  x <- d[d[[years]] > 0, ]
  fit <- glm.nb(as.formula(sprintf("%s ~ group + offset(log(%s))", count, years)), data = x)
  b <- coef(fit)[["groupSPMS"]]
  se_hc0 <- sqrt(diag(sandwich(fit)))[["groupSPMS"]]
  data.frame(outcome = outcome, n = nrow(x), rate_ratio = exp(b),
             se_model = sqrt(diag(vcov(fit)))[["groupSPMS"]], se_hc0 = se_hc0,
             ci_low_hc0 = exp(b - qnorm(0.975) * se_hc0), ci_high_hc0 = exp(b + qnorm(0.975) * se_hc0),
             theta = fit$theta, r = R.version.string,
             mass = as.character(packageVersion("MASS")),
             sandwich = as.character(packageVersion("sandwich")))
}
out <- rbind(row("relapses", "n_relapses", "person_years"), row("t2", "t2_count", "t2_years"))
write.csv(out, file.path(here, "nb_counts.csv"), row.names = FALSE)
