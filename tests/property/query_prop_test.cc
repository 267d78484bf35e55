// Properties of queries and pagination.
//
// QueryTasks: tasks of two plans, registered in several batches with keys in
// random order, some started or canceled. For random filters and page sizes,
// following next_page_token returns exactly the matching tasks, each once,
// ordered by creation date then key.
//
// Events: paging QueryEvents in either order and reading ReadEvents with
// random limits return the same events, in the same order.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "property/prop_world.h"

namespace orc::prop {
namespace {

struct QueryDraw {
  int worker = 0;     // 0: no filter, 1: OwnerMSP, 2: WorkerMSP
  int status = 0;     // 0: no filter, else a ComputeTaskStatus
  int plan = 0;       // 0: no filter, 1: the world's plan, 2: the second plan
  int function = 0;   // 0: no filter, 1 to 4: a TaskKind + 1
  std::uint32_t page_size = 1;
};

void showValue(const QueryDraw& draw, std::ostream& out) {
  out << "QueryTasks worker " << draw.worker << " status " << draw.status << " plan " << draw.plan
      << " function " << draw.function << " page size " << draw.page_size;
}

// One batch: how many tasks, of which kind, on whose data, and the order of
// their keys inside the batch.
struct BatchDraw {
  std::vector<int> kinds;     // TaskKind without parents
  std::vector<bool> on_worker;
  bool second_plan = false;
  std::vector<int> actions;   // per task: 0 nothing, 1 start, 2 cancel
};

rc::Gen<BatchDraw> GenBatch() {
  return rc::gen::build<BatchDraw>(
      rc::gen::set(&BatchDraw::kinds, rc::gen::resize(6, rc::gen::nonEmpty(rc::gen::container<std::vector<int>>(
                                                             rc::gen::inRange(0, 4))))),
      rc::gen::set(&BatchDraw::on_worker, rc::gen::container<std::vector<bool>>(rc::gen::arbitrary<bool>())),
      rc::gen::set(&BatchDraw::second_plan),
      rc::gen::set(&BatchDraw::actions, rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 3))));
}

void showValue(const BatchDraw& batch, std::ostream& out) {
  out << "batch of " << batch.kinds.size() << " tasks in plan " << (batch.second_plan ? 2 : 1) << ":";
  for (std::size_t i = 0; i < batch.kinds.size(); ++i) {
    out << " " << TaskKindName(static_cast<TaskKind>(batch.kinds[i]));
  }
}

TEST(QueryProperty, TaskPagesMatchFilters) {
  EXPECT_TRUE(rc::check("QueryTasks pages return the filtered tasks once each, in order", [] {
    const auto batches = *rc::gen::resize(8, rc::gen::nonEmpty(rc::gen::container<std::vector<BatchDraw>>(GenBatch())));
    const auto queries = *rc::gen::resize(
        10, rc::gen::container<std::vector<QueryDraw>>(rc::gen::build<QueryDraw>(
                rc::gen::set(&QueryDraw::worker, rc::gen::inRange(0, 3)),
                rc::gen::set(&QueryDraw::status, rc::gen::element(0, 1, 2, 3, 6)),
                rc::gen::set(&QueryDraw::plan, rc::gen::inRange(0, 3)),
                rc::gen::set(&QueryDraw::function, rc::gen::inRange(0, 5)),
                rc::gen::set(&QueryDraw::page_size, rc::gen::inRange(1u, 8u)))));

    World world;
    Orchestrator& core = world.core();
    pb::NewComputePlan second;
    second.set_key(KeyNumber(0x91a4, 2));
    second.set_name("second plan");
    Must(core.RegisterPlan(As(kOwner), second), "RegisterPlan");
    const std::string plan_keys[] = {world.plan_key(), second.key()};

    // Keys are numbered so that a batch's key order differs from its
    // registration order: the batch registers them from the highest down.
    int next_index = 0;
    for (const BatchDraw& batch : batches) {
      pb::RegisterTasksParam request;
      std::vector<int> indices;
      for (std::size_t i = 0; i < batch.kinds.size(); ++i) indices.push_back(next_index + static_cast<int>(i));
      next_index += static_cast<int>(batch.kinds.size());
      for (auto index = indices.rbegin(); index != indices.rend(); ++index) {
        std::size_t i = static_cast<std::size_t>(*index - indices.front());
        bool on_worker = i < batch.on_worker.size() && batch.on_worker[i];
        pb::NewComputeTask task =
            world.NewTask(*index, static_cast<TaskKind>(batch.kinds[i]), on_worker ? kWorker : kOwner, {});
        task.set_compute_plan_key(plan_keys[batch.second_plan ? 1 : 0]);
        *request.add_tasks() = task;
      }
      Must(core.RegisterTasks(As(kOwner), request), "RegisterTasks");
      for (std::size_t i = 0; i < indices.size() && i < batch.actions.size(); ++i) {
        if (batch.actions[i] == 0) continue;
        pb::GetTaskParam get;
        get.set_key(TaskKey(indices[i]));
        pb::ComputeTask task = Must(core.GetTask(As(kOwner), get), "GetTask");
        pb::ApplyTaskActionParam action;
        action.set_compute_task_key(task.key());
        action.set_action(batch.actions[i] == 1 ? pb::TASK_ACTION_DOING : pb::TASK_ACTION_CANCELED);
        Must(core.ApplyTaskAction(As(task.worker()), action), "ApplyTaskAction");
      }
    }

    std::vector<pb::ComputeTask> all;
    for (int i = 0; i < next_index; ++i) {
      pb::GetTaskParam get;
      get.set_key(TaskKey(i));
      all.push_back(Must(core.GetTask(As(kOther), get), "GetTask"));
    }
    std::sort(all.begin(), all.end(), [](const pb::ComputeTask& a, const pb::ComputeTask& b) {
      return std::make_tuple(a.creation_date().seconds(), a.creation_date().nanos(), a.key()) <
             std::make_tuple(b.creation_date().seconds(), b.creation_date().nanos(), b.key());
    });

    const std::string workers[] = {"", kOwner, kWorker};
    const TaskKind kinds[] = {TaskKind::kTrain, TaskKind::kAggregate, TaskKind::kComposite, TaskKind::kEvaluate};
    for (const QueryDraw& draw : queries) {
      pb::QueryTasksParam query;
      query.set_page_size(draw.page_size);
      query.mutable_filter()->set_worker(workers[draw.worker]);
      query.mutable_filter()->set_status(static_cast<pb::ComputeTaskStatus>(draw.status));
      if (draw.plan > 0) query.mutable_filter()->set_compute_plan_key(plan_keys[draw.plan - 1]);
      if (draw.function > 0) query.mutable_filter()->set_function_key(world.function_key(kinds[draw.function - 1]));

      std::vector<std::string> expected;
      for (const pb::ComputeTask& task : all) {
        if (draw.worker > 0 && task.worker() != workers[draw.worker]) continue;
        if (draw.status != 0 && task.status() != draw.status) continue;
        if (!query.filter().compute_plan_key().empty() && task.compute_plan_key() != query.filter().compute_plan_key()) continue;
        if (!query.filter().function_key().empty() && task.function_key() != query.filter().function_key()) continue;
        expected.push_back(task.key());
      }

      std::vector<std::string> actual;
      int pages = 0;
      while (true) {
        pb::QueryTasksResponse page = Must(core.QueryTasks(As(kOther), query), "QueryTasks");
        ++pages;
        RC_ASSERT(page.tasks_size() <= static_cast<int>(draw.page_size));
        for (const pb::ComputeTask& task : page.tasks()) actual.push_back(task.key());
        if (page.next_page_token().empty()) break;
        RC_ASSERT(page.tasks_size() == static_cast<int>(draw.page_size));
        RC_ASSERT(pages <= next_index + 1);
        query.set_page_token(page.next_page_token());
      }
      RC_LOG() << "expected " << expected.size() << " tasks, got " << actual.size() << " in " << pages << " pages\n";
      RC_ASSERT(actual == expected);
    }
  }));
}

TEST(QueryProperty, EventReadsAgree) {
  EXPECT_TRUE(rc::check("QueryEvents and ReadEvents return the same events in the same order", [] {
    const int tasks = *rc::gen::inRange(1, 12);
    const auto page_size = *rc::gen::inRange<std::uint32_t>(1, 9);
    const auto limits = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(1, 9)));

    World world;
    Orchestrator& core = world.core();
    for (int i = 0; i < tasks; ++i) {
      pb::RegisterTasksParam request;
      *request.add_tasks() = world.NewTask(i, TaskKind::kTrain, i % 2 ? kWorker : kOwner, {});
      Must(core.RegisterTasks(As(kOwner), request), "RegisterTasks");
    }

    std::vector<std::string> read;
    std::string cursor;
    for (std::size_t i = 0;; ++i) {
      std::size_t limit = limits[i % limits.size()];
      EventBatch batch = Must(core.ReadEvents(As(kOther), cursor, limit), "ReadEvents");
      RC_ASSERT(batch.events.size() <= limit);
      for (const pb::Event& event : batch.events) read.push_back(event.id());
      if (batch.events.empty()) break;
      cursor = batch.last_event_id;
    }

    for (pb::SortOrder order : {pb::ASCENDING, pb::DESCENDING}) {
      std::vector<std::string> queried;
      pb::QueryEventsParam query;
      query.set_page_size(page_size);
      query.set_sort(order);
      while (true) {
        pb::QueryEventsResponse page = Must(core.QueryEvents(As(kOther), query), "QueryEvents");
        for (const pb::Event& event : page.events()) queried.push_back(event.id());
        if (page.next_page_token().empty()) break;
        query.set_page_token(page.next_page_token());
      }
      if (order == pb::DESCENDING) std::reverse(queried.begin(), queried.end());
      RC_LOG() << pb::SortOrder_Name(order) << ": " << queried.size() << " events queried, " << read.size()
               << " read\n";
      RC_ASSERT(queried == read);
    }
  }));
}

}  // namespace
}  // namespace orc::prop
