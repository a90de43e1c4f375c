# Cox hazard ratio SPMS vs PPMS on msrwe's demo time-to-worsening data (adtte_edss.csv).
#   Rscript tests/results/endpoints/make_golden_cox.R
# survival::coxph(Surv(time_years, event) ~ group, ties = "efron", robust = TRUE): hazard ratio,
# robust (sandwich) SE and Wald interval. Output cox_edss.csv.
suppressPackageStartupMessages(library(survival))
here <- "tests/results/endpoints"
d <- read.csv(file.path(here, "adtte_edss.csv"))
d <- d[d$time_years > 0, ]
d$group <- factor(d$group, levels = c("PPMS", "SPMS"))
fit <- coxph(Surv(time_years, event) ~ group, data = d, ties = "efron", robust = TRUE)
s <- summary(fit)
b <- coef(fit)[["groupSPMS"]]; se <- sqrt(fit$var[1, 1])
out <- data.frame(term = "group=SPMS", n = fit$n, events = fit$nevent, hr = exp(b),
                  se_robust = se, ci_low = exp(b - qnorm(0.975) * se),
                  ci_high = exp(b + qnorm(0.975) * se), p_value = s$coefficients[1, "Pr(>|z|)"],
                  r = R.version.string, survival = as.character(packageVersion("survival")))
write.csv(out, file.path(here, "cox_edss.csv"), row.names = FALSE)
