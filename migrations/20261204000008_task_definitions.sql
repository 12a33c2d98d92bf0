-- The catalog of built-in task definitions (Graph's 25, each at version 1): the
-- same for every tenant and read-only. The id is kept as Graph publishes it
-- (one is in upper case) beside its value, which lookups compare. On Citus the
-- catalog is a reference table, copied to every node, so that reading it beside
-- a tenant's rows stays on that tenant's worker.

-- Makes a table of no tenant a reference table, or does nothing without Citus;
-- the migrations of other catalogs call it too.
create function replicate_to_every_node(name text) returns void
language plpgsql
as $$
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        perform create_reference_table(name);
    end if;
end
$$;

create table task_definitions (
    id uuid primary key,
    published_id text not null unique,
    display_name text not null,
    category text not null,
    continue_on_error boolean not null default false,
    version integer not null default 1,
    -- [{"name": …, "values": […], "valueType": "string" | "enum" | "int" | "bool"}]
    parameters jsonb not null,
    -- The parameters a task of the definition must give (the group, team,
    -- access package, licenses or custom task extension it acts on).
    required_parameters text[] not null
);

insert into task_definitions (id, published_id, display_name, category, parameters,
                              required_parameters)
select published_id::uuid, published_id, display_name, category, parameters::jsonb,
       coalesce(required.names, '{}')
from (values
    ('22085229-5809-45e8-97fd-270d28d66910', 'Add user to groups', 'joiner,leaver,mover', '[{"name": "groupID", "values": [], "valueType": "string"}]'),
    ('1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950', 'Disable user account', 'joiner,leaver', '[{"name": "disableOnPremisesAccount", "values": ["true", "false"], "valueType": "enum"}]'),
    ('6fc52c9d-398b-4305-9763-15f42c1676fc', 'Enable user account', 'joiner,leaver', '[{"name": "enableOnPremisesAccount", "values": ["true", "false"], "valueType": "enum"}]'),
    ('1953a66c-751c-45e5-8bfe-01462c70da3c', 'Remove user from selected groups', 'joiner,leaver,mover', '[{"name": "groupID", "values": [], "valueType": "string"}]'),
    ('1b555e50-7f65-41d5-b514-5894a026d10d', 'Generate Temporary Access Pass and send via email to user''s manager', 'joiner', '[{"name": "tapLifetimeMinutes", "values": [], "valueType": "string"}, {"name": "tapIsUsableOnce", "values": ["true", "false"], "valueType": "enum"}, {"name": "cc", "values": [], "valueType": "string"}, {"name": "customSubject", "values": [], "valueType": "string"}, {"name": "customBody", "values": [], "valueType": "string"}, {"name": "locale", "values": [], "valueType": "string"}, {"name": "to", "values": ["User", "Manager", "Sponsors"], "valueType": "string"}]'),
    ('70b29d51-b59a-4773-9280-8841dfd3f2ea', 'Send welcome email', 'joiner', '[{"name": "cc", "values": [], "valueType": "string"}, {"name": "customSubject", "values": [], "valueType": "string"}, {"name": "customBody", "values": [], "valueType": "string"}, {"name": "locale", "values": [], "valueType": "string"}, {"name": "to", "values": ["User", "Manager", "Sponsors"], "valueType": "string"}]'),
    ('e440ed8d-25a1-4618-84ce-091ed5be5594', 'Add user to Teams', 'joiner,leaver,mover', '[{"name": "teamID", "values": [], "valueType": "string"}]'),
    ('8d18588d-9ad3-4c0f-99d0-ec215f0e3dff', 'Delete user account', 'leaver', '[{"name": "deleteOnPremisesAccount", "values": ["true", "false"], "valueType": "enum"}]'),
    ('06aa7acb-01af-4824-8899-b14e5ed788d6', 'Remove user from selected Teams', 'joiner,leaver,mover', '[{"name": "teamID", "values": [], "valueType": "string"}]'),
    ('b3a31406-2a15-4c9a-b25b-a658fa5f07fc', 'Remove user from all groups', 'leaver', '[]'),
    ('81f7b200-2816-4b3b-8c5d-dc556f07b024', 'Remove user from all Teams', 'leaver', '[]'),
    ('8fa97d28-3e52-4985-b3a9-a1126f9b8b4e', 'Remove all licenses for user', 'leaver', '[]'),
    ('4262b724-8dba-4fad-afc3-43fcbb497a0e', 'Run a Custom Task Extension', 'joiner,leaver,mover', '[{"name": "customTaskExtensionID", "values": [], "valueType": "string"}]'),
    ('52853a3e-f4e5-4eb8-bb24-1ac09a1da935', 'Send email before user''s last day', 'leaver', '[{"name": "cc", "values": [], "valueType": "string"}, {"name": "customSubject", "values": [], "valueType": "string"}, {"name": "customBody", "values": [], "valueType": "string"}, {"name": "locale", "values": [], "valueType": "string"}, {"name": "to", "values": ["User", "Manager", "Sponsors"], "valueType": "string"}]'),
    ('9c0a1eaf-5bda-4392-9d9e-6e155bb57411', 'Send email on user''s last day', 'leaver', '[{"name": "cc", "values": [], "valueType": "string"}, {"name": "customSubject", "values": [], "valueType": "string"}, {"name": "customBody", "values": [], "valueType": "string"}, {"name": "locale", "values": [], "valueType": "string"}, {"name": "to", "values": ["User", "Manager", "Sponsors"], "valueType": "string"}]'),
    ('6f22ddd4-b3a5-47a4-a846-0d7c201a49ce', 'Send email after user''s last day', 'leaver', '[{"name": "cc", "values": [], "valueType": "string"}, {"name": "customSubject", "values": [], "valueType": "string"}, {"name": "customBody", "values": [], "valueType": "string"}, {"name": "locale", "values": [], "valueType": "string"}, {"name": "to", "values": ["User", "Manager", "Sponsors"], "valueType": "string"}]'),
    ('3C860712-2D37-42A4-928F-5C93935D26A1', 'Send onboarding reminder email', 'joiner', '[{"name": "cc", "values": [], "valueType": "string"}, {"name": "customSubject", "values": [], "valueType": "string"}, {"name": "customBody", "values": [], "valueType": "string"}, {"name": "locale", "values": [], "valueType": "string"}, {"name": "to", "values": ["User", "Manager", "Sponsors"], "valueType": "string"}]'),
    ('c1ec1e76-f374-4375-aaa6-0bb6bd4c60be', 'Request user access package assignment', 'joiner,mover', '[{"name": "assignmentPolicyId", "values": [], "valueType": "string"}, {"name": "accessPackageId", "values": [], "valueType": "string"}]'),
    ('4a0b64f2-c7ec-46ba-b117-18f262946c50', 'Remove access package assignment for user', 'leaver,mover', '[{"name": "accessPackageId", "values": [], "valueType": "string"}]'),
    ('42ae2956-193d-4f39-be06-691b8ac4fa1d', 'Remove all access package assignments for user', 'leaver', '[]'),
    ('498770d9-bab7-4e4c-b73d-5ded82a1d0b3', 'Cancel pending access package assignment requests for user', 'leaver,mover', '[]'),
    ('aab41899-9972-422a-9d97-f626014578b7', 'Send email to notify manager of user move', 'mover', '[{"name": "cc", "values": [], "valueType": "string"}, {"name": "customSubject", "values": [], "valueType": "string"}, {"name": "customBody", "values": [], "valueType": "string"}, {"name": "locale", "values": [], "valueType": "string"}, {"name": "to", "values": ["User", "Manager", "Sponsors"], "valueType": "string"}]'),
    ('683c87a4-2ad4-420b-97d4-220d90afcd24', 'Assign licenses to user', 'joiner,mover', '[{"name": "licenses", "values": [], "valueType": "string"}]'),
    ('5fc402a8-daaf-4b7b-9203-da868b05fc5f', 'Remove licenses from user', 'leaver,mover', '[{"name": "licenses", "values": [], "valueType": "string"}]'),
    ('509589a4-0466-4471-829e-49c5e502bdee', 'Revoke all refresh tokens for user', 'leaver,mover', '[]')
) catalog (published_id, display_name, category, parameters)
left join (values
    ('22085229-5809-45e8-97fd-270d28d66910', array['groupID']),
    ('1953a66c-751c-45e5-8bfe-01462c70da3c', array['groupID']),
    ('e440ed8d-25a1-4618-84ce-091ed5be5594', array['teamID']),
    ('06aa7acb-01af-4824-8899-b14e5ed788d6', array['teamID']),
    ('4262b724-8dba-4fad-afc3-43fcbb497a0e', array['customTaskExtensionID']),
    ('c1ec1e76-f374-4375-aaa6-0bb6bd4c60be', array['assignmentPolicyId', 'accessPackageId']),
    ('4a0b64f2-c7ec-46ba-b117-18f262946c50', array['accessPackageId']),
    ('683c87a4-2ad4-420b-97d4-220d90afcd24', array['licenses']),
    ('5fc402a8-daaf-4b7b-9203-da868b05fc5f', array['licenses'])
) required (id, names) on required.id = catalog.published_id;

select replicate_to_every_node('task_definitions');
