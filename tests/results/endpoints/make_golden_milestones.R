# Golden milestones from R msprog's value_milestone on the project's own toy data
# (tests/results/outcomes/inputs: toy = msprog's toy data as exported for the outcome goldens,
# cohort1 and cohort2 = the project's synthetic cohorts).
#   Rscript tests/results/endpoints/make_golden_milestones.R
# Output milestones.csv: data, case, milestone, patient_id, date, edss, time2event, observed;
# versions.csv: R and msprog versions.
suppressPackageStartupMessages(library(msprog))
here <- "tests/results/endpoints"
inputs <- "tests/results/outcomes/inputs"
cases <- list(
  default = list(),
  conf168 = list(conf_days = 168),
  tol_7_7 = list(conf_tol_days = c(7, 7)),
  sust_inf = list(require_sust_days = Inf),
  sust_365 = list(require_sust_days = 365),
  impute1 = list(impute_last_visit = 1),
  impute_days = list(impute_last_visit = 1500),
  rtc0 = list(relapse_to_conf = 0),
  rtc_60_30 = list(relapse_to_conf = c(60, 30))
)
rows <- list()
for (data in c("toy", "cohort1", "cohort2")) {
  v <- read.csv(file.path(inputs, paste0(data, "_visits.csv")), colClasses = c(patient_id = "character"))
  r <- read.csv(file.path(inputs, paste0(data, "_relapses.csv")), colClasses = c(patient_id = "character"))
  for (case in names(cases)) {
    for (m in c(4, 6, 7)) {
      args <- c(list(data = v, milestone = m, subj_col = "patient_id", value_col = "edss",
                     date_col = "date", outcome = "edss", relapse = r,
                     rsubj_col = "patient_id", rdate_col = "onset_date"), cases[[case]])
      res <- do.call(value_milestone, args)
      rows[[length(rows) + 1]] <- data.frame(
        data = data, case = case, milestone = m, patient_id = rownames(res),
        date = as.character(res$date), edss = res$edss, time2event = res$time2event,
        observed = res$observed)
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "milestones.csv"), row.names = FALSE, na = "")
write.csv(data.frame(r = R.version.string, msprog = as.character(packageVersion("msprog"))),
          file.path(here, "milestones_versions.csv"), row.names = FALSE)
