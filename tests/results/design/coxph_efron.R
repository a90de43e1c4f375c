# Golden Cox (Efron ties) and log-rank results per trial for msrwe.design.survival,
# from R survival. Input: cox_input.csv (make_cox_input.py); output: coxph_efron.csv.
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
d <- read.csv(file.path(here, "cox_input.csv"))
out <- do.call(rbind, lapply(split(d, d$trial), function(x) {
  f <- coxph(Surv(time, event) ~ arm, data = x, ties = "efron",
             control = coxph.control(eps = 1e-12, toler.chol = 1e-14, iter.max = 100))
  s <- survdiff(Surv(time, event) ~ arm, data = x)
  data.frame(trial = x$trial[1], log_hr = unname(coef(f)), se = sqrt(vcov(f)[1, 1]),
             logrank_chisq = s$chisq, events = sum(x$event))
}))
write.csv(out, file.path(here, "coxph_efron.csv"), row.names = FALSE)
