-- The catalog of workflow templates (Graph's 10): the same for every tenant and
-- read-only, each with its execution conditions and its tasks. Graph publishes
-- no ids for the templates' tasks; each gets one derived from its template's id
-- and then its place in the sequence, the same in every database and in
-- execution order within its template. A task's arguments
-- are those its definition cannot do without, with empty values, but where the
-- template gives values. On Citus both tables are reference tables.

create table workflow_templates (
    id                   uuid not null,
    category             text not null,
    display_name         text not null,
    description          text not null,
    execution_conditions jsonb not null,
    constraint workflow_templates_pkey primary key (id),
    constraint workflow_templates_category_check
        check (category in ('joiner', 'leaver', 'mover'))
);

create table workflow_template_tasks (
    template_id        uuid    not null,
    id                 uuid    not null,
    execution_sequence integer not null,
    task_definition_id uuid    not null,
    display_name       text    not null,
    description        text,
    category           text    not null,
    continue_on_error  boolean not null default false,
    is_enabled         boolean not null default true,
    arguments          jsonb   not null,
    constraint workflow_template_tasks_pkey primary key (template_id, id),
    constraint workflow_template_tasks_template_fkey foreign key (template_id)
        references workflow_templates (id),
    constraint workflow_template_tasks_definition_fkey foreign key (task_definition_id)
        references task_definitions (id),
    constraint workflow_template_tasks_execution_sequence_key
        unique (template_id, execution_sequence)
);

-- Execution conditions: a trigger, and whom it applies to.
create function template_conditions(trigger jsonb, scope jsonb) returns jsonb
language sql immutable
as $$
    select jsonb_build_object(
        '@odata.type', '#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions',
        'scope', scope,
        'trigger', trigger)
$$;

create function template_time_trigger(attribute text, offset_in_days int) returns jsonb
language sql immutable
as $$
    select jsonb_build_object(
        '@odata.type', '#microsoft.graph.identityGovernance.timeBasedAttributeTrigger',
        'timeBasedAttribute', attribute,
        'offsetInDays', offset_in_days)
$$;

create function template_marketing() returns jsonb
language sql immutable
as $$
    select jsonb_build_object(
        '@odata.type', '#microsoft.graph.identityGovernance.ruleBasedSubjectSet',
        'rule', '(department eq ''Marketing'')')
$$;

insert into workflow_templates (id, category, display_name, description, execution_conditions)
values
    ('77179007-8114-41b5-922e-2e22109df41f', 'joiner', 'Onboard pre-hire employee',
     'A week before a new employee starts: a Temporary Access Pass, sent to their manager.',
     template_conditions(template_time_trigger('employeeHireDate', -7), template_marketing())),
    ('4e06785d-7c1d-4b24-b9e1-bba2b890c58b', 'joiner', 'Onboard new hire employee',
     'On a new employee''s first day: enable their account, welcome them, add them to groups.',
     template_conditions(template_time_trigger('employeeHireDate', 0), template_marketing())),
    ('dce038a6-482a-46a2-9ee0-675c5e8477b9', 'joiner', 'Post-onboarding of an employee',
     'A week after a new employee starts: more groups and Teams.',
     template_conditions(template_time_trigger('employeeHireDate', 7), template_marketing())),
    ('77a82a99-9dfb-471d-a396-107954328b7f', 'mover', 'Real-time employee job change',
     'On demand, when an employee changes jobs: a custom task extension.',
     '{"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"}'),
    ('56da3093-d105-40d4-9886-fccd074f2f2a', 'mover', 'Employee group membership changes',
     'When an employee joins one of the chosen groups: access packages and Teams follow, and their manager is told.',
     template_conditions(
         '{"@odata.type": "#microsoft.graph.identityGovernance.membershipChangeTrigger", "changeType": "add"}',
         '{"@odata.type": "#microsoft.graph.identityGovernance.groupBasedSubjectSet", "groups": []}')),
    ('16819b2d-74e9-4fb9-9ba7-48b8a26ab11d', 'mover', 'Employee job profile change',
     'When an employee''s department changes: their manager is told, groups, Teams and access packages follow.',
     template_conditions(
         '{"@odata.type": "#microsoft.graph.identityGovernance.attributeChangeTrigger", "triggerAttributes": [{"name": "department"}]}',
         template_marketing())),
    ('145735f1-57cc-48c2-81ec-727f07a10096', 'leaver', 'Real-time employee termination',
     'On demand, when an employee leaves at once: out of every group and Team, and their account deleted.',
     '{"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"}'),
    ('25abd83d-3b5d-4d6f-bb9a-4ed366fd96b1', 'leaver', 'Pre-offboarding of an employee',
     'A week before an employee leaves: out of the chosen groups and Teams.',
     template_conditions(template_time_trigger('employeeLeaveDateTime', -7), template_marketing())),
    ('e821c59e-d28c-44d7-902f-5fed05e926f1', 'leaver', 'Offboard an employee',
     'On an employee''s last day: their account disabled, out of every group and Team.',
     template_conditions(template_time_trigger('employeeLeaveDateTime', 0), template_marketing())),
    ('50149a4a-7c2d-4fd8-8018-761f4eb915cb', 'leaver', 'Post-offboarding of an employee',
     'A week after an employee leaves: licenses removed, out of every Team, their account deleted.',
     template_conditions(template_time_trigger('employeeLeaveDateTime', 7), template_marketing()));

drop function template_conditions(jsonb, jsonb);
drop function template_time_trigger(text, int);
drop function template_marketing();

insert into workflow_template_tasks
    (template_id, id, execution_sequence, task_definition_id, display_name, category, arguments)
select t.template_id::uuid,
       (left(md5(t.template_id), 28) || lpad(to_hex(t.sequence), 4, '0'))::uuid,
       t.sequence,
       d.id,
       d.display_name,
       w.category,
       coalesce(t.arguments,
                (select coalesce(jsonb_agg(jsonb_build_object('name', name, 'value', '')), '[]')
                 from unnest(d.required_parameters) name))
from (values
    ('77179007-8114-41b5-922e-2e22109df41f', 1, '1b555e50-7f65-41d5-b514-5894a026d10d',
     '[{"name": "tapLifetimeMinutes", "value": "480"}, {"name": "tapIsUsableOnce", "value": "true"}]'::jsonb),
    ('4e06785d-7c1d-4b24-b9e1-bba2b890c58b', 1, '6fc52c9d-398b-4305-9763-15f42c1676fc', null),
    ('4e06785d-7c1d-4b24-b9e1-bba2b890c58b', 2, '70b29d51-b59a-4773-9280-8841dfd3f2ea', null),
    ('4e06785d-7c1d-4b24-b9e1-bba2b890c58b', 3, '22085229-5809-45e8-97fd-270d28d66910', null),
    ('dce038a6-482a-46a2-9ee0-675c5e8477b9', 1, '22085229-5809-45e8-97fd-270d28d66910', null),
    ('dce038a6-482a-46a2-9ee0-675c5e8477b9', 2, 'e440ed8d-25a1-4618-84ce-091ed5be5594', null),
    ('77a82a99-9dfb-471d-a396-107954328b7f', 1, '4262b724-8dba-4fad-afc3-43fcbb497a0e', null),
    ('56da3093-d105-40d4-9886-fccd074f2f2a', 1, '4a0b64f2-c7ec-46ba-b117-18f262946c50', null),
    ('56da3093-d105-40d4-9886-fccd074f2f2a', 2, '06aa7acb-01af-4824-8899-b14e5ed788d6', null),
    ('56da3093-d105-40d4-9886-fccd074f2f2a', 3, 'aab41899-9972-422a-9d97-f626014578b7', null),
    ('16819b2d-74e9-4fb9-9ba7-48b8a26ab11d', 1, 'aab41899-9972-422a-9d97-f626014578b7', null),
    ('16819b2d-74e9-4fb9-9ba7-48b8a26ab11d', 2, '1953a66c-751c-45e5-8bfe-01462c70da3c', null),
    ('16819b2d-74e9-4fb9-9ba7-48b8a26ab11d', 3, '06aa7acb-01af-4824-8899-b14e5ed788d6', null),
    ('16819b2d-74e9-4fb9-9ba7-48b8a26ab11d', 4, 'c1ec1e76-f374-4375-aaa6-0bb6bd4c60be', null),
    ('145735f1-57cc-48c2-81ec-727f07a10096', 1, 'b3a31406-2a15-4c9a-b25b-a658fa5f07fc', null),
    ('145735f1-57cc-48c2-81ec-727f07a10096', 2, '81f7b200-2816-4b3b-8c5d-dc556f07b024', null),
    ('145735f1-57cc-48c2-81ec-727f07a10096', 3, '8d18588d-9ad3-4c0f-99d0-ec215f0e3dff', null),
    ('25abd83d-3b5d-4d6f-bb9a-4ed366fd96b1', 1, '1953a66c-751c-45e5-8bfe-01462c70da3c', null),
    ('25abd83d-3b5d-4d6f-bb9a-4ed366fd96b1', 2, '06aa7acb-01af-4824-8899-b14e5ed788d6', null),
    ('e821c59e-d28c-44d7-902f-5fed05e926f1', 1, '1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950', null),
    ('e821c59e-d28c-44d7-902f-5fed05e926f1', 2, 'b3a31406-2a15-4c9a-b25b-a658fa5f07fc', null),
    ('e821c59e-d28c-44d7-902f-5fed05e926f1', 3, '81f7b200-2816-4b3b-8c5d-dc556f07b024', null),
    ('50149a4a-7c2d-4fd8-8018-761f4eb915cb', 1, '8fa97d28-3e52-4985-b3a9-a1126f9b8b4e', null),
    ('50149a4a-7c2d-4fd8-8018-761f4eb915cb', 2, '81f7b200-2816-4b3b-8c5d-dc556f07b024', null),
    ('50149a4a-7c2d-4fd8-8018-761f4eb915cb', 3, '8d18588d-9ad3-4c0f-99d0-ec215f0e3dff', null)
) t (template_id, sequence, definition_id, arguments)
join task_definitions d on d.id = t.definition_id::uuid
join workflow_templates w on w.id = t.template_id::uuid;

select replicate_to_every_node('workflow_templates');
select replicate_to_every_node('workflow_template_tasks');
